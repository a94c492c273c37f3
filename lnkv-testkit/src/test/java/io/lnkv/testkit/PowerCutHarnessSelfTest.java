package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.testkit.PowerCutHarness.Workload;
import io.lnkv.testkit.disk.SimulatedDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The power-cut harness must notice missing fsyncs: with the disk ignoring some of them (as if the
 * store never made them), it fails within the default number of cuts, for every seed tried.
 */
class PowerCutHarnessSelfTest {
  private static final Predicate<Path> EVERY = p -> true;
  private static final Predicate<Path> DIRECTORIES = Files::isDirectory;
  private static final Predicate<Path> FILES = p -> !Files.isDirectory(p);
  private static final Predicate<Path> JOURNAL = p -> p.toString().endsWith(".lnkv-journal");

  private static void assertCaught(
      PowerCutHarness.Target target, Workload workload, Predicate<Path> ignored, long seed) {
    PowerCutHarness harness =
        PowerCutHarness.of("self-test", target)
            .workload(workload)
            .seed(seed)
            .diskSetup((SimulatedDisk disk) -> disk.ignoreFsyncs(ignored));
    assertThatThrownBy(() -> harness.run(PowerCutHarness.configuredCuts()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("seed " + seed);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void noFsyncAtAll_isCaught(long seed) {
    assertCaught(FilesystemStoreV2::open, Workload.SINGLE, EVERY, seed);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void noDirectoryFsync_isCaught(long seed) {
    assertCaught(FilesystemStore::open, Workload.SINGLE, DIRECTORIES, seed);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void noFileFsync_isCaught(long seed) {
    assertCaught(FilesystemStoreV2::open, Workload.SINGLE, FILES, seed);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void unsyncedCommitLog_isCaught(long seed) {
    assertCaught(FilesystemStore::open, Workload.BATCH, JOURNAL, seed);
  }
}
