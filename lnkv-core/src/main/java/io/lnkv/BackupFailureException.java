package io.lnkv;

/**
 * Thrown by a tiered store when the backup tier could not be brought level with the primary as the
 * configured backup mode requires. The message says which tier failed and whether the tiers may now
 * differ; the cause is the tier's own failure.
 */
public final class BackupFailureException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}, caused by {@code cause} (may be null). */
  public BackupFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
