/**
 * {@link io.lnkv.tier.TierStore}: a primary store, an optional backup and an optional store for
 * rebuildable data behind one {@link io.lnkv.KVStore}, with backup modes, a retry journal,
 * backfill, resilver, verify and {@link io.lnkv.tier.Restore restore}.
 *
 * <p>Where things live: {@code TierStore} routes each call, and {@code TierOpening} opens it (the
 * retry journal's lock and recovery) ({@link io.lnkv.tier.RoutingPolicy} says which keys are
 * ephemeral); {@code BackupReplicator} carries writes to the backup as the {@link
 * io.lnkv.tier.BackupMode} says and runs the worker that levels it; the retry journal, the keys
 * whose backup may differ, is {@code PendingBackups} (a {@code RecordLog}); backfill, resilver and
 * verify are {@code BackupMaintenance} over {@code Reconciler}, the one comparison of a copy with
 * its source, which reports a {@link io.lnkv.tier.DriftReport}; the counts are {@code TierMetrics},
 * published by {@code MicrometerTierMeters} only when a registry is given.
 */
package io.lnkv.tier;
