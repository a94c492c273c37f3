package io.lnkv.tier;

import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.migrate.MigrationProgress;
import java.util.List;

/**
 * How a copy differs from its source, from {@link TierStore#verify} or a {@link Restore}: keys the
 * copy lacks, keys only the copy has, and keys whose values differ. Lists are sorted.
 *
 * @param compared keys looked at: those in the source or the copy
 * @param missing in the source, not in the copy
 * @param extra in the copy, not in the source
 * @param different in both, with different values
 * @param pending keys with an operation still on its way to the backup when the comparison ran
 *     (their drift may be that operation, not damage)
 */
public record DriftReport(
    long compared,
    List<ScopedKey> missing,
    List<ScopedKey> extra,
    List<ScopedKey> different,
    long pending) {
  public DriftReport {
    missing = List.copyOf(missing);
    extra = List.copyOf(extra);
    different = List.copyOf(different);
  }

  /**
   * Compares every key and value of {@code copy} with {@code source}: for two stores that should
   * hold the same data (after a migration, or a backup made outside a TierStore). Reads both stores
   * once; run it while neither changes.
   */
  public static <
          A extends PaginatedKVStore & MigratableKVStore,
          B extends PaginatedKVStore & MigratableKVStore>
      DriftReport compare(A source, B copy, MigrationProgress progress) {
    return Reconciler.compare(
        new Tier("source", source), new Tier("copy", copy), k -> true, true, progress, 0);
  }

  /**
   * Like {@link #compare(PaginatedKVStore, PaginatedKVStore, MigrationProgress)}, over the keys
   * {@code routing} calls durable only: a primary against its backup, which never holds the
   * ephemeral keys.
   */
  public static <
          A extends PaginatedKVStore & MigratableKVStore,
          B extends PaginatedKVStore & MigratableKVStore>
      DriftReport compareDurable(
          A source, B copy, RoutingPolicy routing, MigrationProgress progress) {
    return Reconciler.compare(
        new Tier("source", source),
        new Tier("copy", copy),
        k -> !routing.isEphemeral(k),
        true,
        progress,
        0);
  }

  /** Whether the copy holds exactly the source's keys and values. */
  public boolean isClean() {
    return missing.isEmpty() && extra.isEmpty() && different.isEmpty();
  }

  /** Keys that differ in any way. */
  public long driftCount() {
    return (long) missing.size() + extra.size() + different.size();
  }

  @Override
  public String toString() {
    return isClean()
        ? "no drift in " + compared + " keys"
        : driftCount()
            + " keys drifted of "
            + compared
            + ": "
            + missing.size()
            + " missing "
            + sample(missing)
            + ", "
            + extra.size()
            + " extra "
            + sample(extra)
            + ", "
            + different.size()
            + " different "
            + sample(different)
            + (pending > 0 ? " (" + pending + " operations were still pending)" : "");
  }

  private static String sample(List<ScopedKey> keys) {
    return keys.size() <= 3 ? keys.toString() : keys.subList(0, 3) + "…";
  }
}
