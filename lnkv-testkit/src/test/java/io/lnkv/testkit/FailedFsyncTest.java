package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.ScopedKey;
import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.internal.DurableDirectories;
import io.lnkv.internal.RecordLog;
import io.lnkv.migrate.MigrationProgress;
import io.lnkv.testkit.disk.SimulatedDisk;
import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.DriftReport;
import io.lnkv.tier.TierStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A failed fsync drops the changes it was to make durable, and later fsyncs succeed without them
 * (Linux after a writeback error; the simulated disk models it). Here a failed directory fsync does
 * not turn the file system read-only either (ext4 and XFS do; a file system without a journal may
 * not): the harsher case. Each case here was found by the power-cut harness once it injected
 * faults, and failed before its fix.
 */
class FailedFsyncTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Fails, once and with {@code error}, the first operation {@code fails} accepts at or after the
   * one {@code arm} accepted. The file system goes on after a failed directory fsync (the harsher
   * case: ext4 and XFS turn read-only instead).
   */
  private static void failOnce(
      SimulatedDisk disk,
      BiPredicate<Operation, Path> arm,
      BiPredicate<Operation, Path> fails,
      String error) {
    disk.abortOnFailedDirectorySync(false);
    boolean[] armed = {false};
    boolean[] done = {false};
    disk.injectFault(
        (op, path, index) -> {
          if (done[0]) {
            return null;
          }
          armed[0] |= arm.test(op, path);
          if (armed[0] && fails.test(op, path)) {
            done[0] = true;
            return new IOException(error + " (injected)");
          }
          return null;
        });
  }

  /** Fails the first fsync at or after the operation {@code arm} accepts. */
  private static void failFsyncAfter(SimulatedDisk disk, BiPredicate<Operation, Path> arm) {
    failOnce(disk, arm, (op, path) -> op == Operation.FSYNC, "Input/output error");
  }

  /**
   * A record log's first append fails by {@code fault}; the next one is acknowledged, and must be
   * all that a power cut leaves.
   */
  private static void assertTheAppendAfterAFailedOneSurvives(
      boolean unsyncedAppends, BiConsumer<SimulatedDisk, Path> fault) throws Exception {
    SimulatedDisk disk = SimulatedDisk.create();
    Path file = disk.path("/node/test.log");
    DurableDirectories.create(file.getParent());
    RecordLog log = new RecordLog(file, "TESTLOG1", "test records", unsyncedAppends);
    log.recover();
    fault.accept(disk, file);
    assertThatThrownBy(() -> log.append(bytes("refused"))).isInstanceOf(IOException.class);
    disk.injectFault(null);
    log.append(bytes("acknowledged"));

    SimulatedDisk after = disk.cutPower();
    RecordLog reopened =
        new RecordLog(after.path("/node/test.log"), "TESTLOG1", "test records", unsyncedAppends);
    assertThat(reopened.recover()).containsExactly(bytes("acknowledged"));
    reopened.close();
  }

  @Test
  void aLogWhoseHeaderSyncFailed_writesItAgainBeforeItsFirstRecord() throws Exception {
    // The next append wrote its record at byte 0, where the header should be; the log was then
    // refused as damaged ("does not start with ...") with an acknowledged record in it.
    assertTheAppendAfterAFailedOneSurvives(
        false,
        (disk, file) ->
            failFsyncAfter(disk, (op, path) -> path.equals(file) && op == Operation.WRITE));
  }

  @Test
  void aLogWhoseHeaderWriteFailed_writesItBeforeItsFirstRecord() throws Exception {
    // EIO on the header's write left the log's length at 0: the next append put its record at
    // byte 0, and the retry journal was refused at the next start.
    assertTheAppendAfterAFailedOneSurvives(
        true,
        (disk, file) ->
            failOnce(
                disk,
                (op, path) -> true,
                (op, path) -> op == Operation.WRITE && path.equals(file),
                "Input/output error"));
  }

  @Test
  void aLogWhoseCreationDidNotSyncIntoItsFolder_isCreatedAgain() throws Exception {
    // The log stayed, visible and never durably named: records synced into it were lost with the
    // name, while the marker beside the store said batches were waiting in it.
    assertTheAppendAfterAFailedOneSurvives(
        false,
        (disk, file) ->
            failFsyncAfter(disk, (op, path) -> op == Operation.CREATE && path.equals(file)));
  }

  /**
   * A store holding one logged batch is closed while {@code fault} fails its checkpoint; the store
   * must reopen, with the batch, on every image of a cut then.
   */
  private static void assertReopensAfterAFailedCheckpoint(
      Function<Path, KVStore> open, java.util.function.Consumer<SimulatedDisk> fault) {
    for (long seed = 0; seed < 16; seed++) {
      SimulatedDisk disk = SimulatedDisk.create();
      KVStore store = open.apply(disk.path("/data"));
      store.writeBatch(List.of(new BatchOp.Write(ScopedKey.of("p", "", "k"), bytes("v"))));
      fault.accept(disk);
      store.close();

      SimulatedDisk after = disk.cutPower(seed);
      try (KVStore reopened = open.apply(after.path("/data"))) {
        assertThat(reopened.read("p", "", "k")).as("seed " + seed).isEqualTo(bytes("v"));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.lnkv.testkit.FilesystemStores#both")
  void aCheckpointWhoseMarkerRemovalDidNotSync_leavesAJournalForTheMarker(
      String name, Function<Path, KVStore> open) {
    // close() deleted the empty commit log although the marker's removal had not reached the
    // disk: after a cut that kept the log's (unsynced) deletion, the marker was back without its
    // journal, and the folder was refused.
    assertReopensAfterAFailedCheckpoint(
        open,
        disk ->
            failFsyncAfter(
                disk,
                (op, path) ->
                    op == Operation.DELETE && path.toString().endsWith("pending-batches.tmp")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.lnkv.testkit.FilesystemStores#both")
  void aCheckpointThatFailedAfterEmptyingTheLog_keepsTheLogBesideItsMarker(
      String name, Function<Path, KVStore> open) {
    // The log was emptied, then writing its new header failed (ENOSPC): the checkpoint failed with
    // the marker still in the folder, and close() deleted the empty log; after the cut the folder
    // was refused as moved without its journal. Found by the power-cut harness under threads.
    assertReopensAfterAFailedCheckpoint(
        open,
        disk ->
            failOnce(
                disk,
                (op, path) -> op == Operation.TRUNCATE && path.toString().endsWith(".lnkv-journal"),
                (op, path) -> op == Operation.WRITE && path.toString().endsWith(".lnkv-journal"),
                "No space left on device"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.lnkv.testkit.FilesystemStores#both")
  void aRemoveWhoseFolderSyncFailed_keepsTheBatchesWaitingForTheirCheckpoint(
      String name, Function<Path, KVStore> open) {
    // The failed fsync of the folder dropped the batch's unsynced file names with the remove; the
    // checkpoint at close then synced the folder (without them) and emptied the journal.
    SimulatedDisk disk = SimulatedDisk.create();
    KVStore store = open.apply(disk.path("/data"));
    store.write("p", "", "removed", bytes("x"));
    store.writeBatch(List.of(new BatchOp.Write(ScopedKey.of("p", "", "batched"), bytes("v"))));
    failFsyncAfter(
        disk,
        (op, path) -> op == Operation.DELETE && path.getFileName().toString().equals("removed"));
    assertThatThrownBy(() -> store.remove("p", "", "removed", false))
        .isInstanceOf(io.lnkv.StoreException.class);
    disk.injectFault(null);
    store.close();

    SimulatedDisk after = disk.cutPower();
    try (KVStore reopened = open.apply(after.path("/data"))) {
      assertThat(reopened.read("p", "", "batched")).isEqualTo(bytes("v"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.lnkv.testkit.FilesystemStores#both")
  void aNewFolderWhoseParentSyncFailed_isCreatedAgainByTheNextWrite(
      String name, Function<Path, KVStore> open) {
    // The folder stayed, visible and never durable: the next write in it found it, synced the
    // parent (which did not bring the dropped entry back) and was acknowledged, then lost.
    SimulatedDisk disk = SimulatedDisk.create();
    KVStore store = open.apply(disk.path("/data"));
    failFsyncAfter(disk, (op, path) -> op == Operation.MKDIR);
    assertThatThrownBy(() -> store.write("fresh", "", "first", bytes("1")))
        .isInstanceOf(io.lnkv.StoreException.class);
    disk.injectFault(null);
    store.write("fresh", "", "second", bytes("2"));

    SimulatedDisk after = disk.cutPower();
    try (KVStore reopened = open.apply(after.path("/data"))) {
      assertThat(reopened.read("fresh", "", "second")).isEqualTo(bytes("2"));
    }
  }

  @Test
  void aPrimaryWriteWhoseSyncFailed_isBroughtLevelAfterTheRestart() throws Exception {
    // The worker copied what the primary showed of the key (its rename, never durable) to the
    // backup and cleared the key; after a cut the backup held a key the primary did not.
    SimulatedDisk disk = SimulatedDisk.create();
    TierStore tier = tier(disk);
    tier.write("p", "", "before", bytes("0"));
    failFsyncAfter(
        disk, (op, path) -> op == Operation.RENAME && path.toString().startsWith("/data/primary/"));
    assertThatThrownBy(() -> tier.write("p", "", "k", bytes("v")))
        .isInstanceOf(io.lnkv.StoreException.class);
    disk.injectFault(null);
    tier.awaitBackup(Duration.ofMillis(500)); // the worker has its turn at the key
    tier.close();

    SimulatedDisk after = disk.cutPower();
    try (TierStore reopened = tier(after)) {
      assertThat(reopened.awaitBackup(Duration.ofSeconds(20))).isTrue();
      DriftReport drift = reopened.verify(MigrationProgress.NONE);
      assertThat(drift.missing()).isEmpty();
      assertThat(drift.extra()).isEmpty();
      assertThat(drift.different()).isEmpty();
    }
  }

  private static TierStore tier(SimulatedDisk disk) {
    return TierStore.builder(FilesystemStoreV2.open(disk.path("/data/primary")))
        .backup(FilesystemStore.open(disk.path("/data/backup")), BackupMode.SEMI_SYNC)
        .retryJournal(disk.path("/data/node/backup.retry-journal"))
        .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(20))
        .build();
  }
}
