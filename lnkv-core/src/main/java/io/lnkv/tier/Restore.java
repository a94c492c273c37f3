package io.lnkv.tier;

import io.lnkv.ConflictException;
import io.lnkv.CorruptedDataException;
import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.migrate.CreationOrder;
import io.lnkv.migrate.MigrationProgress;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Copies the durable keys of a backup into an empty primary, oldest created first in each scope (so
 * that the primary pages them as the backup does), then verifies the copy: what to do after losing
 * the primary. Ephemeral keys are not copied (they are rebuilt). Run it with neither store open in
 * a TierStore or a node.
 *
 * <pre>{@code
 * Restore.Result r = Restore.from(backup).into(primary).dryRun().run();   // what would be copied
 * Restore.from(backup).into(primary).onProgress((n, total) -> ...).run(); // copy and verify
 * }</pre>
 *
 * Not thread-safe; each run reads the stores afresh.
 */
public final class Restore {
  private final Tier backup;
  private Tier primary;
  private RoutingPolicy routing = RoutingPolicy.ldkDefault();
  private boolean force;
  private boolean dryRun;
  private MigrationProgress progress = MigrationProgress.NONE;

  private Restore(Tier backup) {
    this.backup = backup;
  }

  /** A restore from {@code backup}. */
  public static <S extends PaginatedKVStore & MigratableKVStore> Restore from(S backup) {
    return new Restore(new Tier("backup", Objects.requireNonNull(backup, "backup")));
  }

  /** The store to restore into; it must hold no durable key unless {@link #force()} is set. */
  public <S extends PaginatedKVStore & MigratableKVStore> Restore into(S primary) {
    this.primary = new Tier("primary", Objects.requireNonNull(primary, "primary"));
    return this;
  }

  /** Which keys are ephemeral and not restored; {@link RoutingPolicy#ldkDefault()} unless set. */
  public Restore routing(RoutingPolicy policy) {
    this.routing = Objects.requireNonNull(policy, "policy");
    return this;
  }

  /**
   * Restores into a primary that holds durable keys: keys the backup holds are overwritten with the
   * backup's values, other keys are left alone. Restoring older state over a live node's can make
   * it broadcast revoked channel states and lose funds; use only on a node that is stopped and
   * whose state you know is older than the backup's.
   */
  public Restore force() {
    this.force = true;
    return this;
  }

  /** Reports what would be copied without writing anything. */
  public Restore dryRun() {
    this.dryRun = true;
    return this;
  }

  /** Receives progress: keys copied (or, in a dry run, measured) of the total. */
  public Restore onProgress(MigrationProgress listener) {
    this.progress = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /**
   * What a restore did, or would do.
   *
   * @param dryRun whether nothing was written
   * @param keys durable keys copied (or to copy)
   * @param bytes their values' total size
   * @param ephemeralSkipped ephemeral keys in the backup, not copied
   * @param durableKeysInPrimaryBefore durable keys the primary held before (non-zero only when
   *     forced, or in a dry run)
   * @param verification the primary compared with the backup after copying; in a dry run, null
   */
  public record Result(
      boolean dryRun,
      long keys,
      long bytes,
      long ephemeralSkipped,
      long durableKeysInPrimaryBefore,
      DriftReport verification) {}

  /**
   * Runs the restore.
   *
   * @throws IllegalStateException if no primary was given
   * @throws ConflictException if the primary holds durable keys and {@link #force()} is not set (a
   *     dry run reports them instead)
   * @throws CorruptedDataException if, after copying, the primary does not hold every backup key
   *     with the backup's value
   */
  public Result run() {
    if (primary == null) {
      throw new IllegalStateException("Restore needs a target: call into(primary)");
    }
    Predicate<ScopedKey> durable = k -> !routing.isEphemeral(k);
    TreeSet<ScopedKey> all = Reconciler.keys(backup, k -> true);
    TreeSet<ScopedKey> toCopy = Reconciler.keys(backup, durable);
    long ephemeralSkipped = all.size() - toCopy.size();
    List<ScopedKey> existing = List.copyOf(Reconciler.keys(primary, durable));
    if (!existing.isEmpty() && !force && !dryRun) {
      throw new ConflictException(
          "Refusing to restore "
              + backup
              + " into "
              + primary
              + ": it holds "
              + existing.size()
              + " durable keys already (e.g. "
              + existing.subList(0, Math.min(3, existing.size()))
              + "). Restoring over newer state can roll channels back and lose funds; restore"
              + " into an empty store, or use force() if this node is stopped and its state is"
              + " known to be older");
    }
    long bytes = 0;
    long done = 0;
    for (ScopedKey k : CreationOrder.oldestFirst(backup.store(), toCopy)) {
      byte[] value = backup.readOrNull(k);
      if (value != null) {
        bytes += value.length;
        if (!dryRun) {
          primary.put(k, value, false);
        }
      }
      progress.onProgress(++done, toCopy.size());
    }
    if (dryRun) {
      return new Result(true, toCopy.size(), bytes, ephemeralSkipped, existing.size(), null);
    }
    DriftReport check =
        Reconciler.compare(backup, primary, durable, true, MigrationProgress.NONE, 0);
    if (!check.missing().isEmpty() || !check.different().isEmpty()) {
      throw new CorruptedDataException(
          "Restore from "
              + backup
              + " into "
              + primary
              + " copied "
              + toCopy.size()
              + " keys, but verifying the copy found "
              + check
              + ". Do not start the node on this primary; check both stores and run the restore"
              + " again");
    }
    return new Result(false, toCopy.size(), bytes, ephemeralSkipped, existing.size(), check);
  }
}
