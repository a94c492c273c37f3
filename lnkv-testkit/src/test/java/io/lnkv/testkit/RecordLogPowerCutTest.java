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
}
