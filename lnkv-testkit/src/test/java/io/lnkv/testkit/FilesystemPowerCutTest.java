package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.testkit.PowerCutHarness.Workload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both filesystem stores under the power-cut harness: single operations, atomic batches (the commit
 * log) and queued commits, every check after every cut; FilesystemStoreV2's pages keep creation
 * order.
 */
class FilesystemPowerCutTest {
  @ParameterizedTest
  @EnumSource(Workload.class)
  void filesystemStore_survivesPowerCuts_andKeepsCreationOrder(Workload workload) throws Exception {
    PowerCutHarness.Report report =
        PowerCutHarness.of("FilesystemStore", FilesystemStore::open)
            .workload(workload)
            .checkCreationOrder()
            .seed(11)
            .run(PowerCutHarness.configuredCuts());
    assertThat(report.acknowledged()).isPositive();
    System.out.println("FilesystemStore " + workload + ": " + report);
  }

  @ParameterizedTest
  @EnumSource(Workload.class)
  void filesystemStoreV2_survivesPowerCuts_andKeepsCreationOrder(Workload workload)
      throws Exception {
    PowerCutHarness.Report report =
        PowerCutHarness.of("FilesystemStoreV2", FilesystemStoreV2::open)
            .workload(workload)
            .checkCreationOrder()
            .seed(12)
            .run(PowerCutHarness.configuredCuts());
    assertThat(report.acknowledged()).isPositive();
    System.out.println("FilesystemStoreV2 " + workload + ": " + report);
  }

  @ParameterizedTest
  @EnumSource(
      value = Workload.class,
      names = {"SINGLE", "BATCH"})
  void bothStores_survivePowerCuts_underThreeThreads(Workload workload) throws Exception {
    // single operations racing batches and each other's namespace folders
    for (boolean v2 : new boolean[] {false, true}) {
      PowerCutHarness harness =
          v2
              ? PowerCutHarness.of("FilesystemStoreV2", FilesystemStoreV2::open)
                  .checkCreationOrder()
              : PowerCutHarness.of("FilesystemStore", FilesystemStore::open).checkCreationOrder();
      PowerCutHarness.Report report =
          harness
              .workload(workload)
              .threads(3)
              .seed(v2 ? 14 : 13)
              .run(PowerCutHarness.configuredCuts() / 2);
      assertThat(report.acknowledged()).isPositive();
      System.out.println(
          (v2 ? "FilesystemStoreV2 " : "FilesystemStore ") + workload + " x3: " + report);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Workload.class,
      names = {"BATCH", "QUEUED"})
  void bothStores_survivePowerCuts_withCheckpointsBySize(Workload workload) throws Exception {
    // a checkpoint every few batches (the journal's limit lowered from 64 MiB to 4 KiB), so that
    // cuts fall inside checkpoints, and into logs regrown over a checkpoint's freed blocks
    System.setProperty("lnkv.test.checkpointJournalBytes", "4096");
    try {
      for (boolean v2 : new boolean[] {false, true}) {
        PowerCutHarness.Report report =
            (v2
                    ? PowerCutHarness.of("FilesystemStoreV2", FilesystemStoreV2::open)
                    : PowerCutHarness.of("FilesystemStore", FilesystemStore::open))
                .workload(workload)
                .seed(v2 ? 16 : 15)
                .run(PowerCutHarness.configuredCuts() / 2);
        assertThat(report.acknowledged()).isPositive();
        System.out.println(
            (v2 ? "FilesystemStoreV2 " : "FilesystemStore ")
                + workload
                + " checkpoints: "
                + report);
      }
    } finally {
      System.clearProperty("lnkv.test.checkpointJournalBytes");
    }
  }
}
