package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.migrate.MigrationProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** v1 to v2 with ldk-node's folder steps, and recovery from a crash after each step. */
class FilesystemMigrationTest {
  @TempDir Path tmp;
  private Path store;
  private Path migrating;
  private Path backup;

  @BeforeEach
  void v1Store() throws IOException {
    store = tmp.resolve("fs_store");
    migrating = tmp.resolve("fs_store_v2_migrating");
    backup = tmp.resolve("fs_store_v1_backup");
    // a v1 folder as LDK writes it; mtimes give the order in which keys were written
    file(store.resolve("manager"), "manager", 1_000);
    for (int i = 0; i < 70; i++) {
      file(store.resolve("payments").resolve(String.format("p%02d", i)), "pay" + i, 2_000 + i);
    }
    file(store.resolve("monitor_updates").resolve("mon_0").resolve("7"), "update", 3_000);
  }

  private static void file(Path path, String content, long mtime) throws IOException {
    Files.createDirectories(path.getParent());
    Files.writeString(path, content, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(path, FileTime.fromMillis(mtime));
  }

  private void assertMigrated(FilesystemStoreV2 v2) {
    assertThat(v2.read("", "", "manager")).isEqualTo("manager".getBytes(StandardCharsets.UTF_8));
    assertThat(v2.read("monitor_updates", "mon_0", "7"))
        .isEqualTo("update".getBytes(StandardCharsets.UTF_8));
    assertThat(v2.listAllKeys()).hasSize(72).contains(ScopedKey.of("payments", "", "p69"));
    List<String> pages = new ArrayList<>();
    PageToken token = null;
    do {
      Page page = v2.listPaginated("payments", "", token);
      pages.addAll(page.keys());
      token = page.nextPageToken().orElse(null);
    } while (token != null);
    List<String> newestFirst = new ArrayList<>();
    for (int i = 69; i >= 0; i--) {
      newestFirst.add(String.format("p%02d", i));
    }
    assertThat(pages).as("creation order carried over from v1 mtimes").isEqualTo(newestFirst);
    assertThat(store.resolve("[empty]").resolve("[empty]").resolve("manager")).exists();
  }

  @Test
  void openOrMigrate_v1Folder_becomesV2_keepingOrder_andTheV1Backup() {
    long[] last = new long[2];
    MigrationProgress progress =
        (done, total) -> {
          last[0] = done;
          last[1] = total;
        };
    try (FilesystemStoreV2 v2 = FilesystemMigration.openOrMigrateToV2(store, progress)) {
      assertMigrated(v2);
    }
    assertThat(last).containsExactly(72, 72);
    assertThat(backup.resolve("manager")).exists();
    assertThat(migrating).doesNotExist();
    try (FilesystemStoreV2 again = FilesystemMigration.openOrMigrateToV2(store)) {
      assertMigrated(again); // already v2: opens as is
    }
  }

  @Test
  void crashDuringTheCopy_startsOver() throws IOException {
    // the copy was under way: a partial v2 folder beside the untouched v1 folder
    file(migrating.resolve("[empty]").resolve("[empty]").resolve("manager"), "manager", 1_000);
    file(migrating.resolve("payments").resolve("[empty]").resolve("p00.3.tmp"), "par", 1);
    try (FilesystemStoreV2 v2 = FilesystemMigration.openOrMigrateToV2(store)) {
      assertMigrated(v2);
    }
  }

  @Test
  void crashBetweenTheTwoRenames_restoresTheBackupAndMigratesAgain() throws IOException {
    // copy done, fs_store renamed to the backup, the v2 folder not yet renamed into place
    try (FilesystemStore v1 = FilesystemStore.open(store)) {
      v1.listAllKeys();
    }
    Files.move(store, backup);
    file(migrating.resolve("[empty]").resolve("[empty]").resolve("manager"), "manager", 1_000);
    try (FilesystemStoreV2 v2 = FilesystemMigration.openOrMigrateToV2(store)) {
      assertMigrated(v2);
    }
    assertThat(backup.resolve("manager")).exists();
  }

  @Test
  void crashAfterTheCopyCompleted_withOnlyTheV2FolderLeft_usesIt() throws IOException {
    try (FilesystemStoreV2 v2 = FilesystemMigration.openOrMigrateToV2(store)) {
      assertMigrated(v2);
    }
    // simulate: backup gone (operator removed it) and the final rename not yet done
    Files.move(store, migrating);
    deleteTree(backup);
    try (FilesystemStoreV2 v2 = FilesystemMigration.openOrMigrateToV2(store)) {
      assertMigrated(v2);
    }
    assertThat(migrating).doesNotExist();
  }

  private static void deleteTree(Path root) throws IOException {
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void interruptedMigration_isNotRecoveredWhileAnotherMigrationHoldsTheFolder() throws Exception {
    // The recovery renamed and deleted folders before taking any lock, so it could undo a
    // migration another process was in the middle of.
    Path dir = tmp.resolve("race");
    Path backup = tmp.resolve("race_v1_backup");
    Path migrating = tmp.resolve("race_v2_migrating");
    Files.createDirectories(backup);
    Files.writeString(backup.resolve("key"), "v1");
    Files.createDirectories(migrating.resolve("[empty]").resolve("[empty]"));
    io.lnkv.internal.WriterLock other = FilesystemMigration.lockMigration(dir);
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> FilesystemMigration.openOrMigrateToV2(dir))
          .isInstanceOf(io.lnkv.StoreLockedException.class);
      assertThat(Files.isDirectory(migrating)).isTrue();
      assertThat(Files.isDirectory(backup)).isTrue();
      assertThat(Files.exists(dir)).isFalse();
    } finally {
      other.close();
    }
  }
}
