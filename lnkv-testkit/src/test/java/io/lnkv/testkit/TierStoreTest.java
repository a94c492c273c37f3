package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.BackupFailureException;
import io.lnkv.BatchOp;
import io.lnkv.ConflictException;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.ldk.LdkKeys;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.migrate.MigrationProgress;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.DriftReport;
import io.lnkv.tier.Restore;
import io.lnkv.tier.RoutingPolicy;
import io.lnkv.tier.TierStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TierStore's promises under faults, per backup mode (with {@link FaultInjectingStore} tiers), its
 * maintenance operations, metrics, restore, and a SEMI_SYNC crash run with a failing backup.
 */
class TierStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path tmp;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private FaultInjectingStore primary;
  private FaultInjectingStore backup;
  private SimpleMeterRegistry registry;

  private TierStore open(BackupMode mode) {
    primary = FaultInjectingStore.wrap(FilesystemStore.open(tmp.resolve("primary")));
    backup = FaultInjectingStore.wrap(FilesystemStoreV2.open(tmp.resolve("backup")));
    registry = new SimpleMeterRegistry();
    return TierStore.builder(primary)
        .backup(backup, mode)
        .retryJournal(tmp.resolve("retry.journal"))
        .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(40))
        .meterRegistry(registry)
        .name("test")
        .build();
  }

  private double gauge(String name) {
    return registry.get(name).tag("store", "test").gauge().value();
  }

  private static void awaitLevel(TierStore tier) throws InterruptedException {
    assertThat(tier.awaitBackup(WAIT)).as("backup level within " + WAIT).isTrue();
  }

  // ---- backup down, then back ---------------------------------------------------------------

  @Test
  void sync_backupDown_failsWithBackupFailure_primaryHasIt_resilverRepairs() throws Exception {
    try (TierStore tier = open(BackupMode.SYNC)) {
      tier.write("p", "", "a", bytes("1"));
      backup.failAll();
      assertThatThrownBy(() -> tier.write("p", "", "a", bytes("2")))
          .isInstanceOf(BackupFailureException.class)
          .hasMessageContaining("backup tier")
          .hasMessageContaining("tiers now differ")
          .hasMessageContaining("resilver");
      assertThat(str(tier.read("p", "", "a"))).isEqualTo("2");
      backup.heal();
      assertThat(tier.verify(MigrationProgress.NONE).different())
          .containsExactly(ScopedKey.of("p", "", "a"));
      TierStore.RepairResult repaired = tier.resilver(MigrationProgress.NONE);
      assertThat(repaired.copied()).isEqualTo(1);
      assertThat(tier.verify(MigrationProgress.NONE).isClean()).isTrue();
      assertThat(registry.get("lnkv.tier.divergences").counter().count()).isEqualTo(1.0);
    }
  }

  @Test
  void semiSync_backupDown_writesSucceedThroughTheJournal_replayedWhenBack() throws Exception {
    try (TierStore tier = open(BackupMode.SEMI_SYNC)) {
      backup.failAll();
      for (int i = 0; i < 20; i++) {
        tier.write("p", "", "k" + i, bytes("v" + i));
      }
      tier.remove("p", "", "k3", false);
      assertThat(tier.backupStatus().pending()).isEqualTo(20);
      assertThat(gauge("lnkv.tier.retry.journal.depth")).isEqualTo(20);
      assertThat(Files.size(tmp.resolve("retry.journal"))).isPositive();
      Thread.sleep(20);
      assertThat(registry.get("lnkv.tier.backup.lag").timeGauge().value()).isPositive();
      backup.heal();
      awaitLevel(tier);
      assertThat(tier.verify(MigrationProgress.NONE).isClean()).isTrue();
      assertThat(backup.list("p", "")).hasSize(19);
      assertThat(gauge("lnkv.tier.backup.pending")).isZero();
      assertThat(gauge("lnkv.tier.backup.last.success")).isPositive();
      assertThat(registry.get("lnkv.tier.backup.failures").counter().count()).isPositive();
    }
  }

  @Test
  void awaitBackup_duringAnOutage_doesNotDefeatTheBackoff() throws Exception {
    // awaitBackup woke the worker every 5 ms: about 200 attempts a second against a dead backup.
    primary = FaultInjectingStore.wrap(FilesystemStore.open(tmp.resolve("primary")));
    backup = FaultInjectingStore.wrap(FilesystemStoreV2.open(tmp.resolve("backup")));
    try (TierStore tier =
        TierStore.builder(primary)
            .backup(backup, BackupMode.SEMI_SYNC)
            .retryJournal(tmp.resolve("retry.journal"))
            .retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
            .build()) {
      backup.failAll();
      tier.write("p", "", "k", bytes("v"));
      long before = backup.injectedFailures();
      assertThat(tier.awaitBackup(Duration.ofSeconds(2))).isFalse();
      // backoff 100, 200, 400, 800 ms, then 1 s: a handful of attempts in 2 s, plus one wake-up
      assertThat(backup.injectedFailures() - before).isLessThan(15);
      backup.heal();
      assertThat(tier.awaitBackup(Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void semiSync_journalSurvivesARestart_andIsReplayedOnOpen() throws Exception {
    try (TierStore tier = open(BackupMode.SEMI_SYNC)) {
      backup.failAll();
      tier.write("p", "", "a", bytes("kept for the backup"));
      tier.writeBatch(
          List.of(BatchOp.write("p", "", "b", bytes("b")), BatchOp.remove("p", "", "a")));
      tier.write("p", "", "a", bytes("newest"));
    }
    // reopen with a healthy backup: the journal left by the first run is replayed
    try (TierStore tier = open(BackupMode.SEMI_SYNC)) {
      awaitLevel(tier);
      assertThat(str(backup.read("p", "", "a"))).isEqualTo("newest");
      assertThat(str(backup.read("p", "", "b"))).isEqualTo("b");
      assertThat(tier.verify(MigrationProgress.NONE).isClean()).isTrue();
    }
    assertThat(tmp.resolve("retry.journal")).as("empty journal deleted at close").doesNotExist();
  }

  @Test
  void async_backupDown_failuresCounted_andTheBackupCatchesUp() throws Exception {
    try (TierStore tier = open(BackupMode.ASYNC)) {
      backup.failAll();
      for (int i = 0; i < 10; i++) {
        tier.write("p", "", "k" + i, bytes("v" + i));
      }
      Thread.sleep(100);
      assertThat(tier.backupStatus().failures()).isPositive();
      assertThat(tier.backupStatus().pending()).isEqualTo(10);
      assertThat(gauge("lnkv.tier.retry.journal.depth")).as("in memory only").isZero();
      backup.heal();
      awaitLevel(tier);
      assertThat(tier.verify(MigrationProgress.NONE).isClean()).isTrue();
    }
  }

  // ---- primary down -------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(BackupMode.class)
  void primaryDown_everyModeFails_andSaysWhatTheBackupDid(BackupMode mode) throws Exception {
    try (TierStore tier = open(mode)) {
      tier.write("p", "", "a", bytes("1"));
      awaitLevel(tier);
      primary.failAll();
      assertThatThrownBy(() -> tier.write("p", "", "a", bytes("2")))
          .isInstanceOf(StoreException.class)
          .isNotInstanceOf(BackupFailureException.class)
          .hasMessageContaining(FaultInjectingStore.INJECTED);
      assertThatThrownBy(() -> tier.read("p", "", "a")).isInstanceOf(StoreException.class);
      primary.heal();
      assertThat(str(tier.read("p", "", "a"))).isEqualTo("1");
      awaitLevel(tier);
      if (mode == BackupMode.SYNC) {
        // the backup took the write the primary refused: it is ahead, and verify says so
        assertThat(tier.verify(MigrationProgress.NONE).different()).hasSize(1);
      } else {
        // the key stayed marked: the worker brought the backup back to the primary's value
        assertThat(str(backup.read("p", "", "a"))).isEqualTo("1");
      }
      tier.write("p", "", "a", bytes("3")); // the caller retries
      awaitLevel(tier);
      assertThat(tier.verify(MigrationProgress.NONE).isClean()).isTrue();
      assertThat(str(backup.read("p", "", "a"))).isEqualTo("3");
    }
  }

  // ---- a tier failing halfway through a batch -----------------------------------------------

  @ParameterizedTest
  @EnumSource(BackupMode.class)
  void backupFailingHalfwayThroughABatch_modePromisesHold_andNoDriftAfter(BackupMode mode)
      throws Exception {
    try (TierStore tier = open(mode)) {
      assertThat(tier.supportsAtomicBatch()).isTrue();
      // the backup applies the batch and then reports failure: the worst case for bookkeeping
      backup.failAfterApplying(true).failNth(1);
      List<BatchOp> batch = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        batch.add(BatchOp.write("p", "s", "k" + i, bytes("v" + i)));
      }
      if (mode == BackupMode.SYNC) {
        assertThatThrownBy(() -> tier.writeBatch(batch)).isInstanceOf(BackupFailureException.class);
      } else {
        tier.writeBatch(batch);
      }
      assertThat(tier.list("p", "s")).hasSize(50);
      backup.heal();
      awaitLevel(tier);
      if (mode == BackupMode.SYNC) {
        tier.resilver(MigrationProgress.NONE);
      }
      assertThat(tier.verify(MigrationProgress.NONE).isClean()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(BackupMode.class)
  void primaryFailingABatch_appliesNothingToThePrimary(BackupMode mode) throws Exception {
    try (TierStore tier = open(mode)) {
      primary.failWhen(op -> op.kind() == FaultInjectingStore.Kind.BATCH);
      assertThatThrownBy(
              () ->
                  tier.writeBatch(
                      List.of(
                          BatchOp.write("p", "", "a", bytes("a")),
                          BatchOp.write("p", "", "b", bytes("b")))))
          .isInstanceOf(StoreException.class);
      primary.heal();
      assertThat(tier.list("p", "")).isEmpty();
    }
  }

  // ---- per-key order across tiers -----------------------------------------------------------

  @ParameterizedTest
  @EnumSource(BackupMode.class)
  void manyAsyncWritesToOneKey_bothTiersEndWithTheLastCall(BackupMode mode) throws Exception {
    try (TierStore tier = open(mode)) {
      Random random = new Random(7);
      backup.failWhen(op -> op.kind() == FaultInjectingStore.Kind.WRITE && random.nextInt(3) == 0);
      List<CompletableFuture<Void>> calls = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        calls.add(tier.writeAsync("p", "", "k" + (i % 3), bytes("v" + i)));
      }
      for (CompletableFuture<Void> c : calls) {
        c.exceptionally(e -> null).join(); // SYNC: some fail, and say so
      }
      backup.heal();
      awaitLevel(tier);
      for (int k = 0; k < 3; k++) {
        String last = "v" + (297 + k);
        assertThat(str(primary.read("p", "", "k" + k))).isEqualTo(last);
        if (mode != BackupMode.SYNC) {
          assertThat(str(backup.read("p", "", "k" + k))).isEqualTo(last);
        }
      }
    }
  }

  // ---- routing ------------------------------------------------------------------------------

  @Test
  void ephemeralKeys_goToTheEphemeralTier_neverToTheBackup_andListingsMerge() throws Exception {
    InMemoryStore p = InMemoryStore.create();
    InMemoryStore b = InMemoryStore.create();
    InMemoryStore e = InMemoryStore.create();
    p.write("", "", LdkKeys.SCORER_KEY, bytes("stale copy from before the ephemeral tier"));
    try (TierStore tier =
        TierStore.builder(p).backup(b, BackupMode.SYNC).ephemeral(e).closeTiers(false).build()) {
      tier.write("", "", LdkKeys.CHANNEL_MANAGER_KEY, bytes("manager"));
      tier.write("", "", LdkKeys.NETWORK_GRAPH_KEY, bytes("graph"));
      tier.write("", "", LdkKeys.SCORER_KEY, bytes("scorer"));
      assertThat(e.list("", "")).containsExactlyInAnyOrder("network_graph", "scorer");
      assertThat(b.list("", "")).containsExactly("manager");
      assertThat(str(tier.read("", "", "scorer"))).isEqualTo("scorer");
      assertThat(tier.list("", "")).containsExactlyInAnyOrder("manager", "network_graph", "scorer");
      assertThat(tier.listPaginated("", "", null).keys())
          .containsExactly("manager", "scorer", "network_graph");
      assertThat(tier.listAllKeys()).hasSize(3);
      assertThat(tier.verify(MigrationProgress.NONE).isClean()).isTrue();
    }
  }

  @Test
  void customEphemeralNamespace_isRoutedAndNotBackedUp() {
    InMemoryStore p = InMemoryStore.create();
    InMemoryStore b = InMemoryStore.create();
    try (TierStore tier =
        TierStore.builder(p)
            .backup(b, BackupMode.SYNC)
            .routing(RoutingPolicy.ldkDefault().withEphemeralNamespace("cache"))
            .closeTiers(false)
            .build()) {
      tier.write("cache", "x", "k", bytes("rebuildable"));
      tier.write("payments", "", "k", bytes("durable"));
      assertThat(p.list("cache", "x")).containsExactly("k"); // no ephemeral tier: the primary
      assertThat(b.listAllKeys()).containsExactly(ScopedKey.of("payments", "", "k"));
    }
  }

  // ---- backfill -----------------------------------------------------------------------------

  @Test
  void backfill_fillsANewBackup_andResumesAfterAnInterruption() {
    InMemoryStore p = InMemoryStore.create();
    for (int i = 0; i < 200; i++) {
      p.write("monitors", "", "m" + i, bytes("monitor " + i));
    }
    p.write("", "", LdkKeys.NETWORK_GRAPH_KEY, bytes("graph"));
    FaultInjectingStore b = FaultInjectingStore.wrap(InMemoryStore.create());
    try (TierStore tier =
        TierStore.builder(p).backup(b, BackupMode.SYNC).closeTiers(false).build()) {
      b.failNth(150); // the first run dies partway
      assertThatThrownBy(() -> tier.backfill(MigrationProgress.NONE))
          .isInstanceOf(StoreException.class);
      long before = b.listAllKeys().size();
      assertThat(before).isBetween(1L, 199L);
      AtomicLong lastProgress = new AtomicLong();
      TierStore.RepairResult second = tier.backfill((done, total) -> lastProgress.set(done));
      assertThat(second.copied()).isEqualTo(200 - before);
      assertThat(lastProgress.get()).isEqualTo(200);
      DriftReport report = tier.verify(MigrationProgress.NONE);
      assertThat(report.isClean()).as(report.toString()).isTrue();
      assertThat(b.listAllKeys()).as("ephemeral keys are not backed up").hasSize(200);
    }
  }

  // ---- restore ------------------------------------------------------------------------------

  @Test
  void restore_bringsBackEveryDurableKeyByteForByte_skipsEphemeral_refusesNonEmpty()
      throws Exception {
    Random random = new Random(11);
    List<ScopedKey> written = new ArrayList<>();
    try (TierStore tier =
        TierStore.builder(FilesystemStoreV2.open(tmp.resolve("primary")))
            .backup(FilesystemStore.open(tmp.resolve("backup")), BackupMode.SYNC)
            .build()) {
      for (int i = 0; i < 100; i++) {
        byte[] value = new byte[1 + random.nextInt(5000)];
        random.nextBytes(value);
        ScopedKey k = ScopedKey.of(i % 2 == 0 ? "monitors" : "payments", "", "k" + i);
        tier.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), value);
        written.add(k);
      }
      tier.write("", "", LdkKeys.SCORER_KEY, bytes("scorer, primary only"));
    }
    // an old backup can hold an ephemeral key too (written before the policy said so)
    try (FilesystemStore b = FilesystemStore.open(tmp.resolve("backup"))) {
      b.write("", "", LdkKeys.NETWORK_GRAPH_KEY, bytes("graph"));
    }
    deleteFolder(tmp.resolve("primary"));
    try (FilesystemStore b = FilesystemStore.open(tmp.resolve("backup"));
        FilesystemStoreV2 fresh = FilesystemStoreV2.open(tmp.resolve("primary"))) {
      Restore.Result dry = Restore.from(b).into(fresh).dryRun().run();
      assertThat(dry.dryRun()).isTrue();
      assertThat(dry.keys()).isEqualTo(100);
      assertThat(dry.ephemeralSkipped()).isEqualTo(1);
      assertThat(fresh.listAllKeys()).as("a dry run writes nothing").isEmpty();
      Restore.Result done = Restore.from(b).into(fresh).run();
      assertThat(done.keys()).isEqualTo(100);
      assertThat(done.bytes()).isEqualTo(dry.bytes());
      assertThat(done.verification().isClean()).isTrue();
      for (String ns : List.of("monitors", "payments")) {
        assertThat(allPages(fresh, ns)).as("creation order kept").isEqualTo(allPages(b, ns));
      }
      for (ScopedKey k : written) {
        assertThat(fresh.read(k.primaryNamespace(), k.secondaryNamespace(), k.key()))
            .isEqualTo(b.read(k.primaryNamespace(), k.secondaryNamespace(), k.key()));
      }
      assertThatThrownBy(() -> fresh.read("", "", LdkKeys.NETWORK_GRAPH_KEY))
          .isInstanceOf(KeyNotFoundException.class);
      assertThatThrownBy(() -> Restore.from(b).into(fresh).run())
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining("100 durable keys")
          .hasMessageContaining("force()");
      assertThat(Restore.from(b).into(fresh).force().run().durableKeysInPrimaryBefore())
          .isEqualTo(100);
    }
  }

  private static List<String> allPages(io.lnkv.PaginatedKVStore store, String ns) {
    List<String> keys = new ArrayList<>();
    io.lnkv.PageToken token = null;
    do {
      io.lnkv.Page page = store.listPaginated(ns, "", token);
      keys.addAll(page.keys());
      token = page.nextPageToken().orElse(null);
    } while (token != null);
    return keys;
  }

  private static void deleteFolder(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  // ---- crash: SEMI_SYNC with a failing backup -----------------------------------------------

  @Test
  void semiSync_crashWithAFailingBackup_losesNoAcknowledgedWrite_andTheBackupCatchesUp()
      throws Exception {
    crashRun(false);
  }

  @Test
  void semiSync_crashDuringBatches_withAFailingBackup_tearsNoBatch_andTheBackupCatchesUp()
      throws Exception {
    crashRun(true);
  }

  private void crashRun(boolean batches) throws Exception {
    Path dir = tmp.resolve("crash");
    CrashHarness harness = new CrashHarness(FlakyBackupTarget.class, dir, 42);
    if (batches) {
      harness.batches();
    }
    int kills = CrashHarness.configuredKills();
    CrashHarness.Report report = harness.run(kills);
    org.slf4j.LoggerFactory.getLogger(TierStoreTest.class)
        .info(
            "TierStore SEMI_SYNC crash run ({}): {} kills, {} acknowledged steps",
            batches ? "batches" : "single writes",
            report.kills(),
            report.acknowledgedSteps());
    assertThat(report.acknowledgedSteps()).isPositive();
    try (TierStore healthy =
        TierStore.builder(FilesystemStoreV2.open(dir.resolve("primary")))
            .backup(FilesystemStore.open(dir.resolve("backup")), BackupMode.SEMI_SYNC)
            .retryJournal(dir.resolve("retry.journal"))
            .build()) {
      awaitLevel(healthy);
      DriftReport drift = healthy.verify(MigrationProgress.NONE);
      assertThat(drift.isClean()).as(drift.toString()).isTrue();
    }
  }

  /** SEMI_SYNC over filesystem stores, with a backup that fails one change in four. */
  public static final class FlakyBackupTarget implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      Random random = new Random();
      return TierStore.builder(FilesystemStoreV2.open(dir.resolve("primary")))
          .backup(
              FaultInjectingStore.wrap(FilesystemStore.open(dir.resolve("backup")))
                  .failWhen(
                      op ->
                          op.kind() != FaultInjectingStore.Kind.READ
                              && op.kind() != FaultInjectingStore.Kind.LIST_ALL_KEYS
                              && random.nextInt(4) == 0),
              BackupMode.SEMI_SYNC)
          .retryJournal(dir.resolve("retry.journal"))
          .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(50))
          .build();
    }
  }
}
