package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.PaginatedKVStore;
import io.lnkv.fs.FilesystemMigration;
import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.testkit.disk.SimulatedDisk;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The v1 to v2 migration cut at every one of its disk operations, on the strict image and on a
 * random one: the next open finishes it, with every key, its value and its creation order.
 */
class FilesystemMigrationPowerCutTest {
  private static final String[][] SCOPES = {{"", ""}, {"monitors", ""}, {"payments", "p2"}};
  private static final byte[] AFTER = "acknowledged after".getBytes(StandardCharsets.UTF_8);

  @Test
  void migration_cutAtEveryStep_isFinishedByTheNextOpen() throws Exception {
    SimulatedDisk base = SimulatedDisk.create();
    Path folder = base.path("/node/fs_store");
    Map<String, byte[]> values = new LinkedHashMap<>();
    Map<String, List<String>> order = new LinkedHashMap<>();
    try (FilesystemStore v1 = FilesystemStore.open(folder)) {
      for (int i = 0; i < 12; i++) {
        String[] scope = SCOPES[i % SCOPES.length];
        byte[] value = ("value " + i + " ".repeat(i * 97)).getBytes(StandardCharsets.UTF_8);
        v1.write(scope[0], scope[1], "k" + i, value);
        values.put(scope[0] + "/" + scope[1] + "/k" + i, value);
      }
      for (String[] scope : SCOPES) {
        order.put(scope[0] + "/" + scope[1], pages(v1, scope));
      }
    }
    long steps = operationsOfAMigration(base);
    assertThat(steps).isGreaterThan(50);
    for (long cut = 0; cut <= steps + 12; cut++) { // the last ones fall in or after the write
      for (boolean strict : new boolean[] {true, false}) {
        SimulatedDisk disk = base.durableCopy();
        disk.cutPowerAfter(cut);
        boolean writtenAfter = false; // a write acknowledged by the migrated store
        try (FilesystemStoreV2 migrated =
            FilesystemMigration.openOrMigrateToV2(disk.path("/node/fs_store"))) {
          migrated.write("", "", "after", AFTER);
          writtenAfter = true;
        } catch (RuntimeException expected) {
          assertThat(disk.poweredOff()).as("failed with the power on: %s", expected).isTrue();
        }
        SimulatedDisk image = strict ? disk.cutPower() : disk.cutPower(cut);
        String where = "cut after " + cut + " of " + steps + (strict ? ", strict" : ", random");
        try (FilesystemStoreV2 v2 =
            FilesystemMigration.openOrMigrateToV2(image.path("/node/fs_store"))) {
          for (Map.Entry<String, byte[]> e : values.entrySet()) {
            String[] parts = e.getKey().split("/", -1);
            assertThat(v2.read(parts[0], parts[1], parts[2])).as(where).isEqualTo(e.getValue());
          }
          for (String[] scope : SCOPES) {
            List<String> keys = new java.util.ArrayList<>(pages(v2, scope));
            keys.remove("after");
            assertThat(keys)
                .as(where + ": creation order of " + scope[0] + "/" + scope[1])
                .isEqualTo(order.get(scope[0] + "/" + scope[1]));
          }
          if (writtenAfter) {
            assertThat(v2.read("", "", "after")).as(where + ": written after").isEqualTo(AFTER);
          }
          v2.write("", "", "recovered", AFTER); // acknowledged by the store the recovery opened
        }
        // and what the recovered store acknowledged survives the next cut
        SimulatedDisk again = image.cutPower();
        try (FilesystemStoreV2 v2 = FilesystemStoreV2.open(again.path("/node/fs_store"))) {
          assertThat(v2.read("", "", "recovered")).as(where + ": after recovery").isEqualTo(AFTER);
          assertThat(v2.listAllKeys().size())
              .as(where)
              .isBetween(values.size() + 1, values.size() + 2);
        }
      }
    }
  }

  private static long operationsOfAMigration(SimulatedDisk base) {
    SimulatedDisk disk = base.durableCopy();
    try (FilesystemStoreV2 migrated =
        FilesystemMigration.openOrMigrateToV2(disk.path("/node/fs_store"))) {
      migrated.write("", "", "after", AFTER);
    }
    return disk.operations();
  }

  private static List<String> pages(PaginatedKVStore store, String[] scope) {
    return Pages.all(store, scope[0], scope[1]);
  }
}
