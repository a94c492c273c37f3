package io.lnkv;

/**
 * Thrown when a conditional operation lost a race: a version check failed, or a writer was fenced
 * off because another writer took over. Nothing of the operation was applied. Re-read the state
 * before deciding whether to try again.
 */
public final class ConflictException extends StoreException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message, null, false);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause, false);
  }
}
