package io.lnkv.queue;

import io.lnkv.ScopedKey;
import io.lnkv.StoreException;

/**
 * Thrown by {@link QueuedStore#commit()} when the wrapped store refused an operation. Nothing was
 * lost: the operation that failed and every one after it are still queued; commit again once the
 * cause is fixed. {@link #result()} says what was applied: nothing, for an atomic commit (unless
 * the cause is a {@link io.lnkv.BatchInDoubtException} or a {@link io.lnkv.BackupFailureException}:
 * the batch may then have taken effect, wholly, and committing again re-applies the same values);
 * the operations before {@link #failedKey()}, for a commit that was not atomic.
 */
public final class CommitFailedException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final transient CommitResult result;
  private final transient ScopedKey failedKey;

  CommitFailedException(String message, CommitResult result, ScopedKey failedKey, Throwable cause) {
    super(message, cause);
    this.result = result;
    this.failedKey = failedKey;
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
