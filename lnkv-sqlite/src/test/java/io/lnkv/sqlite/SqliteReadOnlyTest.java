package io.lnkv.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import io.lnkv.StoreNotFoundException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only opens of SQLite files: beside a live writer in another process, creating no file (not
 * even SQLite's {@code -wal} and {@code -shm}), and refusing, unchanged, what is not an ldk-node
 * database. Writers do not adopt foreign databases either, nor bypass the lock through a hard link.
 */
class SqliteReadOnlyTest {
  @TempDir Path tmp;

  private static SqliteStore reader(Path file) {
    return SqliteStore.builder(file).readOnly().build();
  }

  /** Every file in the folder, with its bytes. */
  private Map<String, String> snapshot() throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(tmp)) {
      for (Path p : s.toList()) {
        out.put(p.getFileName().toString(), Arrays.toString(Files.readAllBytes(p)));
      }
    }
    return out;
  }

  /** A database in ldk-node's schema version 2, holding 'manager' = 01. */
  static void schemaVersion2(Path file) throws Exception {
    sql(
        file,
        "CREATE TABLE ldk_data (primary_namespace TEXT NOT NULL, secondary_namespace TEXT"
            + " DEFAULT \"\" NOT NULL, key TEXT NOT NULL, value BLOB, PRIMARY KEY"
            + " (primary_namespace, secondary_namespace, key))",
        "INSERT INTO ldk_data VALUES ('', '', 'manager', x'01')",
        "PRAGMA user_version = 2");
  }

  static void sql(Path file, String... statements) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  @Test
  void besideAWriterInAnotherProcess_readsItsData() throws Exception {
    Path file = tmp.resolve("node.sqlite");
    Process holder = SqliteStoreTest.startHolder(file);
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      SqliteStoreTest.awaitReady(out);
      try (SqliteStore r = reader(file)) {
        assertThat(r.read("", "", "held")).containsExactly(7);
        assertThat(r.listAllKeys()).hasSize(1);
        assertThat(r.schemaVersion()).isEqualTo(3);
        assertThatThrownBy(() -> r.write("", "", "k", new byte[] {1}))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("read-only");
      }
    } finally {
      holder.destroyForcibly().waitFor();
    }
  }

  @Test
  void aClosedWalDatabase_isReadWithoutCreatingItsWalAndShmFiles() throws Exception {
    Path file = tmp.resolve("node.sqlite");
    try (SqliteStore w = SqliteStore.open(file)) {
      w.write("monitors", "", "m", new byte[] {1, 2});
    }
    Map<String, String> before = snapshot();
    try (SqliteStore r = reader(file)) {
      assertThat(r.read("monitors", "", "m")).containsExactly(1, 2);
      assertThat(r.listPaginated("monitors", "", null).keys()).containsExactly("m");
    }
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void aMissingFile_isNotFound_andNotCreated() {
    Path file = tmp.resolve("missing.sqlite");
    assertThatThrownBy(() -> reader(file)).isInstanceOf(StoreNotFoundException.class);
    assertThat(file).doesNotExist();
    assertThat(tmp.resolve(".missing.sqlite.lnkv-lock")).doesNotExist();
  }

  @Test
  void anEmptyFile_isNotAStore_andStaysEmpty() throws Exception {
    Path file = tmp.resolve("empty.sqlite");
    Files.createFile(file);
    Map<String, String> before = snapshot();
    assertThatThrownBy(() -> reader(file))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("no table ldk_data");
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void aForeignDatabase_isRefused_byReadersAndWriters_andLeftUnchanged() throws Exception {
    Path file = tmp.resolve("vss.sqlite"); // e.g. the storage of lnkv serve
    sql(file, "CREATE TABLE vss_db (store_id TEXT, key TEXT, value BLOB)");
    Map<String, String> before = snapshot();
    assertThatThrownBy(() -> reader(file))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("not an ldk-node or lnkv database")
        .hasMessageContaining("vss_db");
    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("not an ldk-node or lnkv database");
    Files.deleteIfExists(tmp.resolve(".vss.sqlite.lnkv-lock")); // the writer's, kept by design
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void aNewerRollbackJournalDatabase_isRefused_withItsJournalModeUnchanged() throws Exception {
    Path file = tmp.resolve("newer.sqlite");
    sql(
        file,
        "PRAGMA journal_mode = DELETE",
        "CREATE TABLE ldk_data (x)",
        "PRAGMA user_version = 4");
    Map<String, String> before = snapshot();
    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("newer");
    assertThatThrownBy(() -> reader(file)).isInstanceOf(IncompatibleStoreException.class);
    Files.deleteIfExists(tmp.resolve(".newer.sqlite.lnkv-lock"));
    assertThat(snapshot()).as("not switched to WAL").isEqualTo(before);
  }

  @Test
  void anOlderSchema_isOnlyUpgradedByAWriter_whichAnnouncesIt() throws Exception {
    Path file = tmp.resolve("old.sqlite");
    schemaVersion2(file);
    Map<String, String> before = snapshot();
    assertThatThrownBy(() -> reader(file))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("only opening it for writing upgrades it");
    assertThat(snapshot()).isEqualTo(before);
    try (SqliteStore w = SqliteStore.open(file)) {
      assertThat(w.schemaVersion()).isEqualTo(3);
    }
    try (SqliteStore r = reader(file)) {
      assertThat(r.read("", "", "manager")).containsExactly(1);
    }
  }

  @Test
  void aWalWithoutItsShmFile_isLeftForAWriter() throws Exception {
    Path file = tmp.resolve("node.sqlite");
    Process holder = SqliteStoreTest.startHolder(file);
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      SqliteStoreTest.awaitReady(out);
    } finally {
      holder.destroyForcibly().waitFor(); // SIGKILL: the -wal holds the commit
    }
    assertThat(Files.size(tmp.resolve("node.sqlite-wal"))).isPositive();
    Files.delete(tmp.resolve("node.sqlite-shm"));
    Map<String, String> before = snapshot();
    assertThatThrownBy(() -> reader(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("Open it once for writing");
    assertThat(snapshot()).isEqualTo(before);
    SqliteStore.open(file).close();
    try (SqliteStore r = reader(file)) {
      assertThat(r.read("", "", "held")).containsExactly(7);
    }
  }

  /**
   * A bind mount of the database file shows it under another name with one link, and its lock file
   * beside that name: only the lock on the file itself meets the second writer. Needs root (mount);
   * CI runs as root.
   */
  @Test
  void aBindMountOfAnOpenDatabase_isRefusedForWriting() throws Exception {
    Path file = tmp.resolve("node.sqlite");
    Path other = tmp.resolve("elsewhere");
    Files.createDirectories(other);
    Path alias = other.resolve("alias.sqlite");
    try (SqliteStore w = SqliteStore.open(file)) {
      w.write("", "", "manager", new byte[] {1});
      Files.createFile(alias);
      Process mount =
          new ProcessBuilder("mount", "--bind", file.toString(), alias.toString())
              .redirectErrorStream(true)
              .start();
      mount.getInputStream().readAllBytes();
      org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "needs mount");
      try {
        // (a reader through the alias would not see the writer's WAL, which SQLite names after
        // the path: read through the path the writer uses)
        assertThatThrownBy(() -> SqliteStore.open(alias))
            .isInstanceOf(StoreLockedException.class)
            .hasMessageContaining("another path");
      } finally {
        Process umount =
            new ProcessBuilder("umount", alias.toString()).redirectErrorStream(true).start();
        String why = new String(umount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(umount.waitFor()).as("umount: " + why).isZero();
      }
    }
  }

  /**
   * The lock file is named after the path, and so are SQLite's -wal and -shm: a writer through a
   * hard link would get past both.
   */
  @Test
  void aHardLinkedDatabase_isRefusedForWriting_butReadable() throws Exception {
    Path file = tmp.resolve("node.sqlite");
    try (SqliteStore w = SqliteStore.open(file)) {
      w.write("", "", "manager", new byte[] {1});
    }
    Path link = tmp.resolve("alias.sqlite");
    Files.createLink(link, file);
    for (Path p : new Path[] {file, link}) {
      assertThatThrownBy(() -> SqliteStore.open(p))
          .isInstanceOf(StoreLockedException.class)
          .hasMessageContaining("2 hard links");
    }
    try (SqliteStore r = reader(link)) {
      assertThat(r.read("", "", "manager")).containsExactly(1);
    }
  }
}
