package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No path to a store gets a second writer past its lock: not a symbolic link, not {@code ..}, not a
 * bind mount; and the lock file itself never writes through a link planted in its place.
 */
class SingleWriterAliasTest {
  @TempDir Path tmp;

  @Test
  void aSymlinkPlantedAsTheLockFile_isRefused_andItsTargetUntouched() throws IOException {
    Path root = tmp.resolve("store");
    Files.createDirectories(root);
    Path victim = tmp.resolve("victim.conf");
    Files.writeString(victim, "precious");
    Files.createSymbolicLink(tmp.resolve(".store.lnkv-lock"), victim);
    assertThatThrownBy(() -> FilesystemStoreV2.open(root))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(".store.lnkv-lock")
        .hasMessageContaining("symbolic link")
        .hasMessageContaining("victim.conf");
    assertThat(Files.readString(victim)).isEqualTo("precious");
  }

  @Test
  void aHardLinkPlantedAsTheLockFile_isRefused_andTheOtherFileUntouched() throws IOException {
    Path root = tmp.resolve("store");
    Files.createDirectories(root);
    Path victim = tmp.resolve("victim.conf");
    Files.writeString(victim, "precious");
    Files.createLink(tmp.resolve(".store.lnkv-lock"), victim);
    assertThatThrownBy(() -> FilesystemStore.open(root))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("hard links");
    assertThat(Files.readString(victim)).isEqualTo("precious");
  }

  @Test
  void aSymlinkOrDotDotToAnOpenStore_isRefused() throws IOException {
    Path root = tmp.resolve("store");
    Path link = tmp.resolve("alias");
    FilesystemStoreV2 first = FilesystemStoreV2.open(root);
    try {
      Files.createSymbolicLink(link, root);
      assertThatThrownBy(() -> FilesystemStoreV2.open(link))
          .isInstanceOf(StoreLockedException.class);
      Files.createDirectories(tmp.resolve("x"));
      assertThatThrownBy(() -> FilesystemStoreV2.open(tmp.resolve("x/../store")))
          .isInstanceOf(StoreLockedException.class);
    } finally {
      first.close();
    }
  }

  /**
   * A bind mount shows the same folder under another path, with its lock file beside that path:
   * only a lock on the folder itself meets the second writer. Needs root (mount); CI runs as root.
   */
  @Test
  void aBindMountOfAnOpenStore_isRefused_inThisProcessAndAnother() throws Exception {
    Path root = tmp.resolve("store");
    Path mountPoint = tmp.resolve("mounted");
    Files.createDirectories(root);
    Files.createDirectories(mountPoint);
    assumeTrue(run("mount", "--bind", root.toString(), mountPoint.toString()) == 0, "needs mount");
    try {
      try (FilesystemStoreV2 first = FilesystemStoreV2.open(root)) {
        first.write("", "", "k", new byte[] {1});
        assertThat(Files.exists(mountPoint.resolve("[empty]/[empty]/k"))).isTrue();
        assertThatThrownBy(() -> FilesystemStoreV2.open(mountPoint))
            .isInstanceOf(StoreLockedException.class)
            .hasMessageContaining("another path");
      }
      Process holder = holder(root);
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
        assertThat(out.readLine()).isEqualTo("READY");
        assertThatThrownBy(() -> FilesystemStoreV2.open(mountPoint))
            .isInstanceOf(StoreLockedException.class)
            .hasMessageContaining("another path");
      } finally {
        holder.destroyForcibly().waitFor();
      }
      FilesystemStoreV2.open(mountPoint).close(); // the holder died: the lock went with it
    } finally {
      run("umount", mountPoint.toString());
    }
  }

  private static Process holder(Path root) throws IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            FilesystemOpeningTest.LockHolder.class.getName(),
            root.toString())
        .redirectErrorStream(true)
        .start();
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return -1; // no such command
    }
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}
