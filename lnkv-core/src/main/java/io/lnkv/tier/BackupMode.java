package io.lnkv.tier;

/** When a write to a {@link TierStore} with a backup is acknowledged. */
public enum BackupMode {
  /**
   * The primary and the backup are written in parallel; the call succeeds only when both did. A
   * failure says which tier failed and that the tiers may now differ. The call takes as long as the
   * slower tier, not the sum. Nothing is journaled: after a failure or a crash mid-operation, run
   * {@link TierStore#resilver}.
   */
  SYNC,
  /**
   * The primary and the backup are written in parallel; the call succeeds once the primary did and
   * the backup either did or the operation is durably recorded in the local retry journal. The
   * journal records the key (fdatasynced) before any tier is touched, and forgets it once the
   * backup took the operation; a background worker brings every recorded key level with the
   * primary's current value, with backoff. Copying the current value skips operations a newer one
   * superseded, and repairs an operation a crash cut off halfway: after a restart the journal is
   * replayed, and the backup ends equal to the primary.
   */
  SEMI_SYNC,
  /**
   * The call succeeds once the primary did; a background worker then brings the key's backup copy
   * level with the primary, retrying with backoff. Failures are counted and logged. Keys not yet
   * level when the process stops are lost to the backup's bookkeeping: run {@link
   * TierStore#resilver} after a restart to bring it level.
   */
  ASYNC
}
