package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.internal.RecordLog;
import io.lnkv.testkit.disk.SimulatedDisk;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The record log's own durability steps, on the simulated disk. */
class RecordLogPowerCutTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> recovered(Path file) throws Exception {
    RecordLog log = new RecordLog(file, "TESTLOG1", "test records");
    try {
      return log.recover().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    } finally {
      log.close();
    }
  }

  @Test
  void appendsAfterACompaction_surviveACut() throws Exception {
    // The compacted log is renamed over the old one; unless that rename is durable, a power cut
    // brings the old file back and every record appended since is lost.
    SimulatedDisk disk = SimulatedDisk.create();
    Path file = disk.path("/node/test.log");
    io.lnkv.internal.DurableDirectories.create(file.getParent());
    RecordLog log = new RecordLog(file, "TESTLOG1", "test records");
    log.recover();
    log.append(bytes("old 1"));
    log.append(bytes("old 2"));
    log.rewrite(List.of(bytes("kept")));
    log.append(bytes("after"));

    SimulatedDisk after = disk.cutPower();

    assertThat(recovered(after.path("/node/test.log"))).containsExactly("kept", "after");
  }

  @Test
  void aRecordOfTheGenerationBeforeAReset_neverReplaysAfterOutOfOrderWriteBack() throws Exception {
    // The commit log's checkpoint empties it; the blocks it freed may read back where the log
    // regrows before a cut. When a record of the old generation sits exactly where the next record
    // would start, and its digest covered its body alone, recovery replayed an old batch.
    int staleShown = 0;
    for (long seed = 0; seed < 300; seed++) {
      SimulatedDisk disk = SimulatedDisk.create();
      Path file = disk.path("/node/test.log");
      io.lnkv.internal.DurableDirectories.create(file.getParent());
      RecordLog log = new RecordLog(file, "TESTLOG1", "test records");
      log.recover();
      log.append(bytes("old first"));
      long staleAt = log.size();
      log.append(bytes("old second, stale"));
      byte[] stale = java.nio.file.Files.readAllBytes(file);
      log.reset();
      log.append(bytes("new first")); // as long as "old first": "old second" sits after it
      log.append(new byte[3000], false); // unsynced: the cut comes while it is written back

      SimulatedDisk after = disk.cutPowerReordered(seed);
      Path image = after.path("/node/test.log");
      byte[] raw = java.nio.file.Files.readAllBytes(image);
      if (raw.length >= stale.length
          && java.util.Arrays.equals(
              raw, (int) staleAt, stale.length, stale, (int) staleAt, stale.length)) {
        staleShown++;
      }
      List<String> records = recovered(image);
      assertThat(records)
          .as("seed " + seed)
          .startsWith("new first")
          .doesNotContain("old second, stale");
    }
    assertThat(staleShown).as("images that showed the old record again").isPositive();
  }

  @Test
  void aFirstRecordCutBeforeItsSync_neverLeavesALogWithoutItsHeader() throws Exception {
    // The header is synced before the first record is written. Without that sync, write-back out
    // of order could keep the record's later pages and lose the header's: the log would then be
    // refused as damaged ("does not start with ..."), and the store with it.
    for (long seed = 0; seed < 64; seed++) {
      SimulatedDisk disk = SimulatedDisk.create();
      Path file = disk.path("/node/test.log");
      io.lnkv.internal.DurableDirectories.create(file.getParent());
      RecordLog log = new RecordLog(file, "TESTLOG1", "test records");
      log.recover();
      byte[] body = new byte[3 * SimulatedDisk.PAGE];
      java.util.Arrays.fill(body, (byte) 'r');
      log.append(body, false); // the cut comes before its sync

      SimulatedDisk after = disk.cutPowerReordered(seed);
      List<String> records = recovered(after.path("/node/test.log")); // never refused
      assertThat(records.size()).as("seed " + seed).isLessThanOrEqualTo(1);
    }
  }
}
