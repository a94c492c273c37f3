package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** lnkv serve's PostgreSQL storage commits as durably as the stores do. */
class VssStoragePostgresTest {
  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(TestPostgres.url());
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  /** An acknowledged put must survive a crash of the database server, whatever its defaults. */
  @Test
  void connections_commitSynchronously_evenWhenTheDatabaseDefaultIsOff() throws Exception {
    sql(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off',"
            + " current_database()); END $$");
    try {
      SqlVssStorage storage = SqlVssStorage.postgres(TestPostgres.url());
      try {
        assertThat(storage.sessionSetting("synchronous_commit")).isEqualTo("on");
      } finally {
        storage.close();
      }
    } finally {
      sql(
          "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET synchronous_commit',"
              + " current_database()); END $$");
    }
  }
}
