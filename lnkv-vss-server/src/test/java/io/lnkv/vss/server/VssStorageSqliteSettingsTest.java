package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lnkv serve's SQLite storage acknowledges a put once its commit returns: its write connection must
 * run WAL with {@code synchronous=FULL} (NORMAL loses acknowledged puts to a power cut, which no
 * kill -9 test sees). Fails if either setting is changed, on a new file and on one switched back to
 * a rollback journal.
 */
class VssStorageSqliteSettingsTest {
  @TempDir Path tmp;

  @Test
  void theWriter_runsWalWithFullSync_onANewFile_andOnOneSwitchedBack() throws Exception {
    Path file = tmp.resolve("vss.sqlite");
    try (SqliteVssStorage storage = SqliteVssStorage.open(file)) {
      assertThat(storage.writerPragma("synchronous")).isEqualTo("2"); // FULL
      assertThat(storage.writerPragma("journal_mode")).isEqualTo("wal");
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode = DELETE");
    }
    try (SqliteVssStorage storage = SqliteVssStorage.open(file)) {
      assertThat(storage.writerPragma("synchronous")).isEqualTo("2");
      assertThat(storage.writerPragma("journal_mode")).isEqualTo("wal");
    }
  }
}
