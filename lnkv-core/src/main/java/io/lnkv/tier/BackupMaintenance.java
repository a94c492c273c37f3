package io.lnkv.tier;

import io.lnkv.ScopedKey;
import io.lnkv.migrate.CreationOrder;
import io.lnkv.migrate.MigrationProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What a TierStore does to its backup besides replicating writes: backfill, resilver and verify
 * (see {@link TierStore#backfill}, {@link TierStore#resilver}, {@link TierStore#verify}). Only
 * durable keys count; each key is brought level by the replicator, under the key's lock, with the
 * primary's value of that moment, so all three run alongside normal use.
 */
final class BackupMaintenance {
  private final Tier primary;
  private final Tier backup;
  private final Predicate<ScopedKey> durable;
  private final BackupReplicator replicator;
  private final PendingBackups pending;

  BackupMaintenance(
      Tier primary,
      Tier backup,
      RoutingPolicy routing,
      BackupReplicator replicator,
      PendingBackups pending) {
    this.primary = primary;
    this.backup = backup;
    this.durable = k -> !routing.isEphemeral(k);
    this.replicator = replicator;
    this.pending = pending;
  }

  /** Copies the durable keys the backup lacks, oldest created first; resumable. */
  TierStore.RepairResult backfill(MigrationProgress progress) {
    TreeSet<ScopedKey> inPrimary = Reconciler.keys(primary, durable);
    Set<ScopedKey> inBackup = Reconciler.keys(backup, durable);
    long done = 0;
    long copied = 0;
    for (ScopedKey k : CreationOrder.oldestFirst(primary.store(), inPrimary)) {
      if (!inBackup.contains(k) && replicator.level(k, false)) {
        copied++;
      }
      progress.onProgress(++done, inPrimary.size());
    }
    return new TierStore.RepairResult(inPrimary.size(), copied, 0);
  }

  /** Copies what differs or is missing, removes what only the backup has. */
  TierStore.RepairResult resilver(MigrationProgress progress) {
    DriftReport drift = verify(progress);
    long copied = 0;
    long removed = 0;
    List<ScopedKey> fix =
        new ArrayList<>(CreationOrder.oldestFirst(primary.store(), drift.missing()));
    fix.addAll(drift.different());
    for (ScopedKey k : fix) {
      if (replicator.level(k, true)) {
        copied++;
      }
    }
    for (ScopedKey k : drift.extra()) {
      if (replicator.level(k, true)) {
        removed++;
      }
    }
    return new TierStore.RepairResult(drift.compared(), copied, removed);
  }

  /** The drift of the backup against the primary, over the durable keys. */
  DriftReport verify(MigrationProgress progress) {
    return Reconciler.compare(primary, backup, durable, true, progress, pending.size());
  }
}
