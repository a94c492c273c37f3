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

  /** A builder with short leases, so that tests of expiry and takeover run quickly. */
  static PostgresStore.Builder builder(String table) {
    return PostgresStore.builder(url()).table(table).leaseDuration(Duration.ofMillis(800));
  }
}
