package io.lnkv.tier;

import io.lnkv.BatchOp;
import io.lnkv.MigratableKVStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.migrate.MigrationProgress;
import io.lnkv.spi.AbstractKVStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Why this file is long (~500 lines): routing (primary, backup, ephemeral) of every operation,
// the backup status, and the Builder with its documented modes. Maintenance (backfill, resilver,
// verify) is in BackupMaintenance, the backup queue and its journal in PendingBackups.
/**
 * A primary store, an optional backup and an optional ephemeral store behind one store.
 *
 * <ul>
 *   <li><b>Routing.</b> A {@link RoutingPolicy} says which keys are ephemeral (rebuildable; by
 *       default LDK's network graph, scorer and external scores cache). Ephemeral keys go to the
 *       ephemeral tier when there is one, else to the primary, and never to the backup. Durable
 *       keys go to the primary and, as the {@link BackupMode} says, to the backup.
 *   <li><b>Reads and listings</b> never consult the backup. {@code list} merges the primary's
 *       durable keys with the ephemeral tier's ephemeral keys (a stale primary copy of an ephemeral
 *       key is hidden). {@code listPaginated} returns the primary's pages (at the primary's page
 *       size, newest created first, the primary's tokens) and adds the ephemeral tier's keys of the
 *       scope, newest first, to the last page.
 *   <li><b>Order.</b> Calls on one key take effect in call order in every tier: a failed operation
 *       still counts as applied ({@link #failedOperationsCountAsApplied}), so an older one never
 *       runs after it, and the backup receives operations on a key in order in every mode.
 *   <li><b>Atomic batches</b> are supported when every configured tier supports them. A batch is
 *       split by routing; each tier applies its part all-or-nothing. The primary's part and the
 *       backup's part follow the backup mode (in parallel; in {@code SEMI_SYNC} the backup's part
 *       may be journaled and then reach the backup key by key; in {@code ASYNC} it reaches the
 *       backup key by key). The ephemeral part is applied after the primary's: if it fails, the
 *       durable part stays applied and the error says so. Across tiers, a batch is not atomic.
 *   <li><b>Maintenance.</b> {@link #backfill}, {@link #resilver} and {@link #verify} work on a
 *       running store; {@link Restore} copies a backup into an empty primary.
 * </ul>
 *
 * <p>Thread-safe. Closing the TierStore stops its backup worker, closes the retry journal and,
 * unless the builder said otherwise, closes every tier.
 *
 * <p>Long because it carries its {@link Builder} and the operations an operator runs on tiers
 * (backfill, resilver, verify, restore, backup status) beside the routing of each call; opening and
 * the retry journal's recovery are {@code TierOpening}, the replication itself {@code
 * BackupReplicator}, the retry journal {@code PendingBackups}.
 */
public final class TierStore extends AbstractKVStore {
  private static final Logger log = LoggerFactory.getLogger(TierStore.class);
  private final Tier primary;
  private final Tier backup; // null: none
  private final Tier ephemeral; // null: none
  private final RoutingPolicy routing;
  private final BackupMode mode;
  private final BackupReplicator replicator; // null without backup
  private final PendingBackups pending;
  private final TierMetrics metrics;
  private final boolean closeTiers;

  TierStore(Builder b, PendingBackups pending) {
    super(
        "TierStore("
            + b.name
            + ": "
            + b.primary
            + (b.backup == null ? "" : ", " + b.backup + " " + b.mode)
            + (b.ephemeral == null ? "" : ", " + b.ephemeral)
            + ")",
        b);
    this.primary = b.primary;
    this.backup = b.backup;
    this.ephemeral = b.ephemeral;
    this.routing = b.routing;
    this.mode = b.mode;
    this.pending = pending;
    this.metrics = new TierMetrics();
    if (b.registry != null) {
      metrics.publishTo(MicrometerTierMeters.register(b.registry, b.name, pending, metrics));
    }
    this.closeTiers = b.closeTiers;
    this.replicator =
        backup == null
            ? null
            : new BackupReplicator(
                description(),
                primary,
                backup,
                mode,
                pending,
                metrics,
                this::runInKeyOrder,
                b.initialBackoff,
                b.maxBackoff);
  }

  /**
   * A builder for a TierStore over {@code primary}.
   *
   * @param <S> a store that pages and lists all its keys (every lnkv store does)
   */
  public static <S extends PaginatedKVStore & MigratableKVStore> Builder builder(S primary) {
    return new Builder(new Tier("primary", Objects.requireNonNull(primary, "primary")));
  }

  /** True: the primary may have changed before the backup failed, or the other way round. */
  @Override
  protected boolean failedOperationsCountAsApplied() {
    return true;
  }

  private Tier tierFor(ScopedKey k) {
    return ephemeral != null && routing.isEphemeral(k) ? ephemeral : primary;
  }

  private boolean backedUp(ScopedKey k) {
    return backup != null && !routing.isEphemeral(k);
  }

  @Override
  protected byte[] doRead(ScopedKey key) {
    return tierFor(key).readOrNull(key);
  }

  @Override
  protected void doWrite(ScopedKey key, byte[] value) {
    put(key, value, false);
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    put(key, null, lazy);
  }

  private void put(ScopedKey key, byte[] valueOrNull, boolean lazy) {
    if (backedUp(key)) {
      replicator.apply(
          Collections.singletonMap(key, valueOrNull),
          lazy,
          false,
          () -> primary.put(key, valueOrNull, lazy));
    } else {
      tierFor(key).put(key, valueOrNull, lazy);
    }
  }

  @Override
  public boolean supportsAtomicBatch() {
    return primary.store().supportsAtomicBatch()
        && (backup == null || backup.store().supportsAtomicBatch())
        && (ephemeral == null || ephemeral.store().supportsAtomicBatch());
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    List<BatchOp> toPrimary = new ArrayList<>();
    List<BatchOp> toEphemeral = new ArrayList<>();
    Map<ScopedKey, byte[]> toBackup = new LinkedHashMap<>();
    for (BatchOp op : operations) {
      (tierFor(op.key()) == primary ? toPrimary : toEphemeral).add(op);
      if (backedUp(op.key())) {
        toBackup.put(op.key(), op instanceof BatchOp.Write w ? w.value() : null);
      }
    }
    if (!toBackup.isEmpty()) {
      replicator.apply(toBackup, false, true, () -> primary.store().writeBatch(toPrimary));
    } else if (!toPrimary.isEmpty()) {
      primary.store().writeBatch(toPrimary);
    }
    if (!toEphemeral.isEmpty()) {
      try {
        ephemeral.store().writeBatch(toEphemeral);
      } catch (RuntimeException e) {
        throw new StoreException(
            "The ephemeral tier "
                + ephemeral
                + " failed to apply its "
                + toEphemeral.size()
                + " operations of a batch whose "
                + toPrimary.size()
                + " durable operations were applied: "
                + e.getMessage()
                + ". The ephemeral data can be rebuilt; write it again",
            e);
      }
    }
  }

  @Override
  protected List<String> doList(String p, String s) {
    if (ephemeral == null || !routing.mayBeEphemeral(p, s)) {
      return primary.store().list(p, s);
    }
    List<String> out = new ArrayList<>();
    for (String k : primary.store().list(p, s)) {
      if (!routing.isEphemeral(ScopedKey.of(p, s, k))) {
        out.add(k);
      }
    }
    for (String k : ephemeral.store().list(p, s)) {
      if (routing.isEphemeral(ScopedKey.of(p, s, k))) {
        out.add(k);
      }
    }
    return out;
  }

  @Override
  protected Page doListPaginated(String p, String s, PageToken token, int pageSize) {
    Page page = primary.store().listPaginated(p, s, token);
    if (ephemeral == null || !routing.mayBeEphemeral(p, s)) {
      return page;
    }
    List<String> keys = new ArrayList<>();
    for (String k : page.keys()) {
      if (!routing.isEphemeral(ScopedKey.of(p, s, k))) {
        keys.add(k); // a stale primary copy of an ephemeral key is hidden
      }
    }
    if (page.nextPageToken().isPresent()) {
      return new Page(keys, page.nextPageToken());
    }
    PageToken next = null;
    do {
      Page e = ephemeral.store().listPaginated(p, s, next);
      for (String k : e.keys()) {
        if (routing.isEphemeral(ScopedKey.of(p, s, k))) {
          keys.add(k);
        }
      }
      next = e.nextPageToken().orElse(null);
    } while (next != null);
    return Page.last(keys);
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    List<ScopedKey> out = new ArrayList<>();
    for (ScopedKey k : primary.all().listAllKeys()) {
      if (ephemeral == null || !routing.isEphemeral(k)) {
        out.add(k);
      }
    }
    if (ephemeral != null) {
      for (ScopedKey k : ephemeral.all().listAllKeys()) {
        if (routing.isEphemeral(k)) {
          out.add(k);
        }
      }
    }
    return out;
  }

  // ---- maintenance --------------------------------------------------------------------------

  /** What {@link #backfill} or {@link #resilver} changed in the backup. */
  public record RepairResult(long compared, long copied, long removed) {}

  /**
   * Fills a new backup with the primary's durable keys: every durable key the backup lacks is
   * copied, oldest created first in each scope (so that the backup, and a primary restored from it,
   * page as the primary does). Keys the backup already holds are not read or rewritten, so after an
   * interruption a second run resumes where the first stopped. Runs alongside normal use: each key
   * is copied holding its lock, with the primary's value of that moment. Use {@link #resilver} for
   * a backup that may be stale.
   *
   * @throws IllegalStateException if the store has no backup
   */
  public RepairResult backfill(MigrationProgress progress) {
    return maintenance("backfill").backfill(progress);
  }

  /**
   * Brings a stale backup level with the primary, copying only what differs: durable keys the
   * backup lacks or holds with another value are copied, and durable keys only the backup has are
   * removed. Like {@link #backfill}, runs alongside normal use, key by key under the key's lock.
   *
   * @throws IllegalStateException if the store has no backup
   */
  public RepairResult resilver(MigrationProgress progress) {
    return maintenance("resilver").resilver(progress);
  }

  /**
   * Compares the backup with the primary over the durable keys and reports what differs. Counts the
   * drift in the {@code lnkv.tier.divergences} meter. Keys still on their way to the backup show as
   * drift; {@link DriftReport#pending()} says how many there were.
   *
   * @throws IllegalStateException if the store has no backup
   */
  public DriftReport verify(MigrationProgress progress) {
    DriftReport report = maintenance("verify").verify(progress);
    metrics.divergencesFound(report.driftCount());
    return report;
  }

  private BackupMaintenance maintenance(String what) {
    if (backup == null) {
      throw new IllegalStateException(
          "Cannot " + what + " " + description() + ": it has no backup tier; configure one");
    }
    return new BackupMaintenance(primary, backup, routing, replicator, pending);
  }

  // ---- status -------------------------------------------------------------------------------

  /**
   * The backup's state at this moment.
   *
   * @param mode the backup mode, empty without a backup
   * @param pending keys whose backup copy may not be level with the primary yet
   * @param oldestPendingSince when the oldest of them was marked
   * @param lastSuccess the last successful write to the backup in this run
   * @param failures failed writes to the backup in this run
   */
  public record BackupStatus(
      Optional<BackupMode> mode,
      int pending,
      Optional<Instant> oldestPendingSince,
      Optional<Instant> lastSuccess,
      long failures) {}

  /** The backup's state; see {@link BackupStatus}. */
  public BackupStatus backupStatus() {
    long oldest = pending.oldestMarkedAtMillis();
    long last = metrics.lastSuccessMillis();
    return new BackupStatus(
        Optional.ofNullable(backup == null ? null : mode),
        pending.size(),
        oldest < 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(oldest)),
        last == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(last)),
        metrics.failures());
  }

  /**
   * Waits until every operation has reached the backup. A key whose operation failed on the primary
   * counts once the backup holds what the primary shows of it; it stays in {@link
   * #backupStatus()}'s pending count (and in the retry journal) until an operation on it succeeds
   * or the store is opened again, since what the primary shows after a failure may not be durable.
   *
   * @return false if {@code timeout} passed first (the backup may be down)
   */
  public boolean awaitBackup(Duration timeout) throws InterruptedException {
    return replicator == null || replicator.awaitLevel(timeout);
  }

  @Override
  protected void doClose() throws IOException {
    IOException failure = null;
    try {
      if (replicator != null) {
        replicator.close();
      } else {
        pending.close();
      }
    } catch (IOException e) {
      failure = e;
    }
    metrics.close();
    if (closeTiers) {
      for (Tier t : new Tier[] {primary, backup, ephemeral}) {
        if (t == null) {
          continue;
        }
        try {
          t.store().close();
        } catch (Exception e) {
          if (failure == null) {
            failure = new IOException("closing the " + t + " failed: " + e, e);
          } else {
            failure.addSuppressed(e);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Settings of a {@link TierStore}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    final Tier primary;
    Tier backup;
    BackupMode mode;
    Path retryJournal;
    Tier ephemeral;
    RoutingPolicy routing = RoutingPolicy.ldkDefault();
    Object registry; // a MeterRegistry: Micrometer is loaded only when one is given
    String name = "tier";
    Duration initialBackoff = Duration.ofMillis(100);
    Duration maxBackoff = Duration.ofSeconds(30);
    boolean closeTiers = true;

    private Builder(Tier primary) {
      this.primary = primary;
    }

    /**
     * Adds a backup tier written as {@code mode} says. {@code SEMI_SYNC} also needs a {@link
     * #retryJournal}.
     */
    public <S extends PaginatedKVStore & MigratableKVStore> Builder backup(
        S store, BackupMode mode) {
      this.backup = new Tier("backup", Objects.requireNonNull(store, "backup"));
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * The file of the retry journal ({@code SEMI_SYNC}): operations the backup did not take, kept
     * until it does. Put it on the primary's disk; it is created when first needed, replayed on
     * open and deleted when empty at close.
     */
    public Builder retryJournal(Path file) {
      this.retryJournal = Objects.requireNonNull(file, "file").toAbsolutePath();
      return this;
    }

    /** Adds a tier for the keys the routing policy calls ephemeral. */
    public <S extends PaginatedKVStore & MigratableKVStore> Builder ephemeral(S store) {
      this.ephemeral = new Tier("ephemeral", Objects.requireNonNull(store, "ephemeral"));
      return this;
    }

    /** Which keys are ephemeral; {@link RoutingPolicy#ldkDefault()} unless set. */
    public Builder routing(RoutingPolicy policy) {
      this.routing = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Where the meters go (their names: {@code MicrometerTierMeters}); none unless set. Micrometer
     * is an optional dependency of lnkv-core: needed only by whoever calls this.
     */
    @SuppressWarnings("exports") // Micrometer is optional: not required transitively, on purpose
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The name in log lines, errors and the meters' {@code store} tag; "tier" unless set. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** The backup worker's first and longest wait between retries (100 ms and 30 s unless set). */
    public Builder retryBackoff(Duration initial, Duration max) {
      if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "retryBackoff needs 0 < initial <= max, got " + initial + " and " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Whether closing the TierStore closes its tiers (true unless set). */
    public Builder closeTiers(boolean close) {
      this.closeTiers = close;
      return this;
    }

    /**
     * Opens the TierStore. In {@code SEMI_SYNC} mode, reads the retry journal and starts replaying
     * it to the backup.
     *
     * @throws IllegalStateException if {@code SEMI_SYNC} has no retry journal
     * @throws StoreException if the retry journal cannot be read
     * @throws io.lnkv.CorruptedDataException if the retry journal is damaged
     */
    public TierStore build() {
      return TierOpening.open(this);
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
