package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.StoreLockedException;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.queue.QueuedStore;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.TierStore;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lnkv-core without its optional dependencies, JNA and Micrometer, as a user who depends on it
 * alone runs it: a child JVM whose class path is this test's without them opens a filesystem store
 * (a second writer still refused, by the lock file; a warning says aliases are not detected), a
 * queued commit and a TierStore with a retry journal and no meter registry. Before they were
 * optional, the store's lock and TierStore's default registry failed with NoClassDefFoundError.
 */
class OptionalDependenciesTest {
  @TempDir Path tmp;

  @Test
  void theCoreStoresRun_withoutJnaAndMicrometer() throws Exception {
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("jna") && !entry.contains("micrometer"))
            .collect(Collectors.joining(File.pathSeparator));
    assertThat(classPath).doesNotContain("jna").doesNotContain("micrometer");
    Path out = tmp.resolve("child.log");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                Child.class.getName(),
                tmp.resolve("node").toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(log).isZero();
    assertThat(log)
        .contains("ok: store, second writer refused, queued commit, tier")
        .contains("flock(2) is not available")
        .doesNotContain("Exception in thread")
        .doesNotContain("\tat "); // no stack trace
  }

  /** What the child runs: the core stores' common uses. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      Path node = Path.of(args[0]);
      try (FilesystemStoreV2 store = FilesystemStoreV2.open(node.resolve("primary"))) {
        store.write("monitors", "", "m1", new byte[] {1});
        try {
          FilesystemStoreV2.open(node.resolve("primary")).close();
          throw new AssertionError("a second writer of the same folder was let in");
        } catch (StoreLockedException expected) {
          // the lock file by name keeps it out, JNA or not
        }
        QueuedStore queue = QueuedStore.builder(store).build();
        queue.write("monitors", "", "m2", new byte[] {2});
        queue.write("monitors", "", "m3", new byte[] {3});
        queue.commit();
        if (store.read("monitors", "", "m3")[0] != 3) {
          throw new AssertionError("the queued commit did not land");
        }
      }
      try (TierStore tier =
          TierStore.builder(FilesystemStoreV2.open(node.resolve("tier-primary")))
              .backup(InMemoryStore.create(), BackupMode.SEMI_SYNC)
              .retryJournal(node.resolve("backup.retry-journal"))
              .build()) {
        tier.write("p", "", "k", new byte[] {4});
        if (!tier.awaitBackup(Duration.ofSeconds(10))) {
          throw new AssertionError("the backup did not level");
        }
        List<Object> status = List.of(tier.backupStatus());
        System.out.println("tier status " + status);
      }
      System.out.println("ok: store, second writer refused, queued commit, tier");
    }
  }
}
