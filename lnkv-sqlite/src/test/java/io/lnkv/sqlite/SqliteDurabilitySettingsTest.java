package io.lnkv.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings an acknowledged SQLite write rests on, read from the store's own write connection:
 * WAL, and {@code synchronous=FULL} (with NORMAL a commit returns before the WAL is fsynced, and a
 * power cut loses it; no kill -9 test can see that, since the page cache survives a killed
 * process). Each test fails if a setting is changed, whatever the database file was before.
 */
class SqliteDurabilitySettingsTest {
  private static final String FULL = "2"; // PRAGMA synchronous answers with the level's number

  @TempDir Path tmp;

  /** The journal mode recorded in the file, as a fresh connection finds it. */
  private static String journalModeOf(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA journal_mode")) {
      r.next();
      return r.getString(1);
    }
  }

  private static void assertDurableWriter(SqliteStore store) throws Exception {
    assertThat(store.writerPragma("synchronous")).as("synchronous").isEqualTo(FULL);
    assertThat(store.writerPragma("journal_mode")).as("journal_mode").isEqualTo("wal");
  }

  @Test
  void aNewStore_writesWithWalAndFullSync_andLeavesTheFileInWal() throws Exception {
    Path file = tmp.resolve("new.sqlite");
    try (SqliteStore store = SqliteStore.open(file)) {
      store.write("p", "", "k", new byte[] {1});
      assertDurableWriter(store);
    }
    assertThat(journalModeOf(file)).isEqualTo("wal");
  }

  @Test
  void aDatabaseInRollbackJournalMode_isWrittenInWal_afterEveryOpening() throws Exception {
    // what `lnkv settle` and every writer's opening do to a file someone switched back
    Path file = tmp.resolve("switched.sqlite");
    SqliteStore.open(file).close();
    SqliteReadOnlyTest.sql(file, "PRAGMA journal_mode = DELETE");
    try (SqliteStore store = SqliteStore.open(file)) {
      assertDurableWriter(store);
    }
    assertThat(journalModeOf(file)).isEqualTo("wal");
  }

  @Test
  void aSchemaUpgrade_keepsWalAndFullSync() throws Exception {
    Path file = tmp.resolve("old.sqlite");
    SqliteReadOnlyTest.schemaVersion2(file);
    try (SqliteStore store = SqliteStore.open(file)) {
      assertThat(store.schemaVersion()).isEqualTo(3);
      assertDurableWriter(store);
    }
    assertThat(journalModeOf(file)).isEqualTo("wal");
  }

  @Test
  void aReadOnlyOpening_leavesTheFileInWal() throws Exception {
    Path file = tmp.resolve("read.sqlite");
    try (SqliteStore store = SqliteStore.open(file)) {
      store.write("p", "", "k", new byte[] {1});
    }
    try (SqliteStore reader = SqliteStore.builder(file).readOnly().build()) {
      assertThat(reader.read("p", "", "k")).containsExactly(1);
    }
    assertThat(journalModeOf(file)).isEqualTo("wal");
    try (SqliteStore store = SqliteStore.open(file)) {
      assertDurableWriter(store);
    }
  }
}
