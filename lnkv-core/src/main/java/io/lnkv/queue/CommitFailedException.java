package io.lnkv.queue;

import io.lnkv.ScopedKey;
import io.lnkv.StoreException;

/**
 * Thrown by {@link QueuedStore#commit()} when the wrapped store refused an operation. Nothing was
 * lost: the operation that failed and every one after it are still queued; commit again once the
 * cause is fixed. {@link #result()} says what was surely applied: nothing, for an atomic commit;
 * the operations before {@link #failedKey()}, for a commit that was not atomic. When {@link
 * #inDoubt()} is true, the failed batch (or the failed operation) may have taken effect as well,
 * wholly: the store could not tell (a connection lost during the commit, a VSS request whose answer
 * never came, a backup that failed after the primary took it). Committing again re-applies the same
 * values and settles it; until then, send nothing that depends on the queued operations.
 */
public final class CommitFailedException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final transient CommitResult result;
  private final transient ScopedKey failedKey;

  CommitFailedException(
      String message, CommitResult result, ScopedKey failedKey, boolean inDoubt, Throwable cause) {
    super(message, cause, inDoubt);
    this.result = result;
    this.failedKey = failedKey;
  }

  /**
   * Whether the failed batch, or the failed operation of a commit that was not atomic, may have
   * taken effect: decided by {@link io.lnkv.internal.InDoubt}'s one rule from the store's failure.
   */
  public boolean inDoubt() {
    return mayHaveTakenEffect();
  }

  /** What the failed commit applied before it stopped. */
  public CommitResult result() {
    return result;
  }

  /** The key of the operation the wrapped store refused, or null for an atomic batch. */
  public ScopedKey failedKey() {
    return failedKey;
  }
}
