package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.CorruptedDataException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening: layout refusal, the single-writer lock across processes, permissions, recovery. */
class FilesystemOpeningTest {
  @TempDir Path tmp;

  @Test
  void v2_refusesAV1Folder_namingTheFileAndHowToMigrate() throws IOException {
    Path root = tmp.resolve("fs_store");
    Files.createDirectories(root.resolve("monitors"));
    Files.writeString(root.resolve("monitors").resolve("abc_1"), "m");
    assertThatThrownBy(() -> FilesystemStoreV2.open(root))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining(root.resolve("monitors").resolve("abc_1").toString())
        .hasMessageContaining("FilesystemMigration.openOrMigrateToV2");
    Files.delete(root.resolve("monitors").resolve("abc_1"));
    Files.writeString(root.resolve("manager"), "m");
    assertThatThrownBy(() -> FilesystemStoreV2.open(root))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("manager");
    // refused without taking the lock for good: v1 opens it
    FilesystemStore.open(root).close();
  }

  @Test
  void v1_refusesAV2Folder() {
    Path root = tmp.resolve("store");
    try (FilesystemStoreV2 v2 = FilesystemStoreV2.open(root)) {
      v2.write("", "", "manager", new byte[] {1});
    }
    assertThatThrownBy(() -> FilesystemStore.open(root))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("FilesystemStoreV2");
  }

  @Test
  void secondOpenInThisProcess_isRefused_untilTheFirstCloses() {
    Path root = tmp.resolve("store");
    FilesystemStore first = FilesystemStore.open(root);
    assertThatThrownBy(() -> FilesystemStoreV2.open(root))
        .isInstanceOf(StoreLockedException.class)
        .hasMessageContaining("already open for writing in this process")
        .hasMessageContaining("FilesystemStore");
    assertThatThrownBy(() -> FilesystemStore.open(root.resolve("..").resolve("store")))
        .isInstanceOf(StoreLockedException.class);
    first.close();
    FilesystemStore.open(root).close();
  }

  @Test
  void secondProcess_isRefused_withTheHoldersPid_andMayOpenOnceItDies() throws Exception {
    Path root = tmp.resolve("store");
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                root.toString())
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("READY");
      assertThatThrownBy(() -> FilesystemStoreV2.open(root))
          .isInstanceOf(StoreLockedException.class)
          .hasMessageContaining("another process writes it")
          .hasMessageContaining("pid " + holder.pid())
          .hasMessageContaining("since");
      holder.destroyForcibly().waitFor(); // SIGKILL: the OS drops the lock
    }
    try (FilesystemStoreV2 store = FilesystemStoreV2.open(root)) {
      assertThat(store.read("", "", "held")).containsExactly(1);
    }
  }

  /** Holds a store open until killed. */
  public static final class LockHolder {
    public static void main(String[] args) throws Exception {
      FilesystemStoreV2 store = FilesystemStoreV2.open(Path.of(args[0]));
      store.write("", "", "held", new byte[] {1});
      System.out.println("READY");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void lockFile_isBesideTheFolder_notInside() throws IOException {
    Path root = tmp.resolve("fs_store");
    try (FilesystemStoreV2 store = FilesystemStoreV2.open(root)) {
      store.write("p", "", "k", new byte[] {1});
      assertThat(tmp.resolve(".fs_store.lnkv-lock")).exists();
      try (var top = Files.list(root)) {
        assertThat(top.map(p -> p.getFileName().toString())).containsExactly("p");
      }
    }
  }

  @Test
  void createdFilesAndFolders_areReadableByTheOwnerOnly() throws IOException {
    Path root = tmp.resolve("store");
    try (FilesystemStore store = FilesystemStore.open(root)) {
      store.write("monitor_updates", "mon", "1", new byte[] {1});
    }
    Set<PosixFilePermission> dirPerms = PosixFilePermissions.fromString("rwx------");
    for (Path d :
        List.of(root, root.resolve("monitor_updates"), root.resolve("monitor_updates/mon"))) {
      assertThat(Files.getPosixFilePermissions(d)).as("%s", d).isEqualTo(dirPerms);
    }
    assertThat(Files.getPosixFilePermissions(root.resolve("monitor_updates/mon/1")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(tmp.resolve(".store.lnkv-lock")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void foreignEntries_failListingClearly() throws IOException {
    Path root = tmp.resolve("store");
    try (FilesystemStore store = FilesystemStore.open(root)) {
      store.write("p", "", "k", new byte[] {1});
      Files.writeString(root.resolve("p").resolve("bad name"), "x");
      assertThatThrownBy(() -> store.list("p", ""))
          .isInstanceOf(CorruptedDataException.class)
          .hasMessageContaining("bad name");
      Files.delete(root.resolve("p").resolve("bad name"));
      Files.createDirectories(root.resolve("p/s/third_level"));
      assertThatThrownBy(store::listAllKeys)
          .isInstanceOf(CorruptedDataException.class)
          .hasMessageContaining("only two levels");
    }
  }

  @Test
  void keyCollidingWithANamespaceFolder_failsWithAClearError() {
    try (FilesystemStore store = FilesystemStore.open(tmp.resolve("store"))) {
      store.write("monitors", "", "k", new byte[] {1});
      assertThatThrownBy(() -> store.write("", "", "monitors", new byte[] {1}))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("Failed to write monitors in");
    }
  }
}
