package io.lnkv;

/**
 * Thrown by {@link KVStore#writeBatch} when a batch failed after the store may already have made it
 * durable: a filesystem store recorded it in its commit log, then failed to apply it (or failed
 * while recording it and could not cut the record off again). The batch is then all-or-nothing
 * still, but which of the two is known only after the store is reopened, which completes it if it
 * was recorded. Until then the store refuses calls. Writing the same operations again after the
 * reopen is safe: they are whole values.
 */
public final class BatchInDoubtException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * {@code message} says which store and what to do; {@code cause} is the failure (may be null).
   */
  public BatchInDoubtException(String message, Throwable cause) {
    super(message, cause);
  }
}
