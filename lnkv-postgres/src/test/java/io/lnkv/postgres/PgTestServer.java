package io.lnkv.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * The PostgreSQL server the tests use: {@code LNKV_PG_URL} (set by {@code ./run-tests}, or by you
 * for your own server). Without it the tests are skipped, except under {@code CI=true}, where they
 * fail.
 */
final class PgTestServer {
  private PgTestServer() {}

  static String url() {
    return io.lnkv.testkit.TestPostgres.url();
  }

  /** A table name that is the same for the same folder, so that reopening finds the data. */
  static String tableFor(Path dir) {
    return "lnkv_test_"
        + Integer.toHexString(dir.toAbsolutePath().toString().hashCode()).toLowerCase(Locale.ROOT);
  }

  static String freshTable() {
    return "lnkv_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  /**
   * Ends the session in which an lnkv writer of {@code table} holds ldk-node's advisory lock, as a
   * server restart or a dropped connection would (the lock goes with it).
   */
  static void terminateWriterLockSession(String table) throws java.sql.SQLException {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url());
        java.sql.PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_terminate_backend(l.pid) FROM pg_locks l"
                    + " JOIN pg_stat_activity a ON a.pid = l.pid"
                    + " WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted"
                    + " AND l.classid::bigint = ? AND l.objid::bigint = ?"
                    + " AND a.application_name LIKE 'lnkv writer%'")) {
      long id = PostgresTableName.parse(table).advisoryLockId(c.getCatalog());
      ps.setLong(1, id >>> 32);
      ps.setLong(2, id & 0xffffffffL);
      try (java.sql.ResultSet r = ps.executeQuery()) {
        if (!r.next()) {
          throw new IllegalStateException("no lnkv writer holds the lock of " + table);
        }
      }
    }
  }

  /** A builder with short leases, so that tests of expiry and takeover run quickly. */
  static PostgresStore.Builder builder(String table) {
    return PostgresStore.builder(url()).table(table).leaseDuration(Duration.ofMillis(800));
  }
}
