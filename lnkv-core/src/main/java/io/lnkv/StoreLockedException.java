package io.lnkv;

/**
 * Thrown when opening a store for writing while another process (or another open store in this
 * process) already writes the same state. Two writers of one node's state can lose funds, so the
 * second is refused; the message names the holder and since when it holds the store. Stop the other
 * writer, then open again.
 */
public final class StoreLockedException extends StoreException {
  private static final long serialVersionUID = 1L;

  public StoreLockedException(String message) {
    super(message, null, false);
  }

  public StoreLockedException(String message, Throwable cause) {
    super(message, cause, false);
  }

  /**
   * A refusal that came after attempts of the operation were sent, one of which may have taken
   * effect ({@code mayHaveTakenEffect}).
   */
  public StoreLockedException(String message, Throwable cause, boolean mayHaveTakenEffect) {
    super(message, cause, mayHaveTakenEffect);
  }
}
