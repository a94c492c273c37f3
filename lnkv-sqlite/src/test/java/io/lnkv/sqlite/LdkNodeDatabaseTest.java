package io.lnkv.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.lnkv.ScopedKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Databases made with the sqlite3 command-line tool following ldk-node's schemas (versions 1, 2 and
 * 3), rows inserted by SQL, then opened, migrated and read by lnkv; and what lnkv leaves behind
 * read back by sqlite3 as ldk-node would.
 */
class LdkNodeDatabaseTest {
  private static final String TABLE = SqliteStore.LDK_NODE_TABLE_NAME;

  @TempDir Path tmp;

  /** Runs SQL through the sqlite3 tool; returns its output. */
  static String sqlite3(Path db, String sql) throws IOException, InterruptedException {
    boolean ci = "true".equals(System.getenv("CI"));
    boolean present = new ProcessBuilder("sh", "-c", "command -v sqlite3").start().waitFor() == 0;
    if (!present && ci) {
      throw new AssertionError("sqlite3 is missing; .ci/run installs it (package sqlite3)");
    }
    assumeThat(present).as("the sqlite3 command-line tool is installed").isTrue();
    Process p =
        new ProcessBuilder("sqlite3", "-batch", db.toString()).redirectErrorStream(true).start();
    p.getOutputStream().write(sql.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("sqlite3 failed: %s", out).isZero();
    return out.trim();
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static List<String> allPages(SqliteStore store, String p, String s) {
    return io.lnkv.testkit.Pages.all(store, p, s);
  }

  @Test
  void version1_migratesToVersion3_keepingRowsAndInsertionOrder() throws Exception {
    Path db = tmp.resolve(SqliteStore.LDK_NODE_DB_FILE_NAME);
    StringBuilder sql = new StringBuilder();
    sql.append("CREATE TABLE ")
        .append(TABLE)
        .append(" (namespace TEXT NOT NULL,")
        .append(" key TEXT NOT NULL CHECK (key <> ''), value BLOB,")
        .append(" PRIMARY KEY (namespace, key));\n");
    sql.append("INSERT INTO ")
        .append(TABLE)
        .append(" VALUES ('', 'manager', CAST('m' AS BLOB));\n");
    for (int i = 0; i < 60; i++) {
      sql.append("INSERT INTO ")
          .append(TABLE)
          .append(String.format(" VALUES ('payments', 'p%02d', CAST('v%d' AS BLOB));%n", i, i));
    }
    sql.append("PRAGMA user_version = 1;\n");
    sqlite3(db, sql.toString());

    try (SqliteStore store = SqliteStore.builder(db).table(TABLE).build()) {
      assertThat(text(store.read("", "", "manager"))).isEqualTo("m");
      assertThat(text(store.read("payments", "", "p07"))).isEqualTo("v7");
      assertThat(store.listAllKeys()).hasSize(61).contains(ScopedKey.of("payments", "", "p59"));
      List<String> expected = new ArrayList<>();
      for (int i = 59; i >= 0; i--) {
        expected.add(String.format("p%02d", i));
      }
      assertThat(allPages(store, "payments", "")).isEqualTo(expected);
      store.write("payments", "", "p60", "new".getBytes(StandardCharsets.UTF_8));
      assertThat(store.listPaginated("payments", "", null).keys().get(0)).isEqualTo("p60");
    }
    assertThat(sqlite3(db, "PRAGMA user_version;")).isEqualTo("3");
    assertThat(sqlite3(db, "SELECT name FROM pragma_table_info('" + TABLE + "') ORDER BY cid;"))
        .isEqualTo("primary_namespace\nsecondary_namespace\nkey\nvalue\nsort_order");
    assertThat(
            sqlite3(
                db,
                "SELECT name FROM pragma_table_info('" + TABLE + "') WHERE pk > 0 ORDER BY pk;"))
        .isEqualTo("primary_namespace\nsecondary_namespace\nkey");
    assertThat(
            sqlite3(
                db,
                "SELECT count(*) FROM sqlite_master WHERE name = 'idx_" + TABLE + "_paginated';"))
        .isEqualTo("1");
  }

  @Test
  void version2_migratesInPlace_withSortOrderFromRowid() throws Exception {
    Path db = tmp.resolve("v2.sqlite");
    StringBuilder sql = new StringBuilder();
    sql.append("CREATE TABLE ")
        .append(TABLE)
        .append(" (primary_namespace TEXT NOT NULL,")
        .append(" secondary_namespace TEXT DEFAULT \"\" NOT NULL,")
        .append(" key TEXT NOT NULL CHECK (key <> ''), value BLOB,")
        .append(" PRIMARY KEY (primary_namespace, secondary_namespace, key));\n");
    for (String k : List.of("c", "a", "b")) {
      sql.append("INSERT INTO ")
          .append(TABLE)
          .append(" VALUES ('monitor_updates', 'mon', '")
          .append(k)
          .append("', CAST('")
          .append(k)
          .append("' AS BLOB));\n");
    }
    sql.append("PRAGMA user_version = 2;\n");
    sqlite3(db, sql.toString());
    try (SqliteStore store = SqliteStore.builder(db).table(TABLE).build()) {
      assertThat(allPages(store, "monitor_updates", "mon")).containsExactly("b", "a", "c");
      assertThat(text(store.read("monitor_updates", "mon", "a"))).isEqualTo("a");
    }
    assertThat(
            sqlite3(db, "SELECT key || ':' || sort_order FROM " + TABLE + " ORDER BY sort_order;"))
        .isEqualTo("c:1\na:2\nb:3");
  }

  /**
   * user_version belongs to the database, not to a table: two tables at version 1 in one file, the
   * first opened raises it to 3, and the second must still be migrated (or refused), never read as
   * a version-3 table. Before, it was opened as current: its pages failed on the missing
   * sort_order, and its writes on the missing secondary_namespace.
   */
  @Test
  void aSecondTableOfAnOldSchema_isMigratedToo_thoughTheDatabaseSaysCurrent() throws Exception {
    Path db = tmp.resolve("two-tables.sqlite");
    StringBuilder sql = new StringBuilder();
    for (String t : List.of("first", "second")) {
      sql.append("CREATE TABLE ")
          .append(t)
          .append(" (namespace TEXT NOT NULL, key TEXT NOT NULL CHECK (key <> ''), value BLOB,")
          .append(" PRIMARY KEY (namespace, key));\n");
      for (String k : List.of("c", "a", "b")) {
        sql.append("INSERT INTO ")
            .append(t)
            .append(" VALUES ('payments', '")
            .append(k)
            .append("', CAST('")
            .append(t)
            .append(k)
            .append("' AS BLOB));\n");
      }
    }
    sql.append("PRAGMA user_version = 1;\n");
    sqlite3(db, sql.toString());
    SqliteStore.builder(db).table("first").build().close();
    assertThat(sqlite3(db, "PRAGMA user_version;")).isEqualTo("3");

    // read-only, the old table is refused rather than read as current
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SqliteStore.builder(db).table("second").readOnly().build())
        .isInstanceOf(io.lnkv.IncompatibleStoreException.class)
        .hasMessageContaining("second");
    try (SqliteStore store = SqliteStore.builder(db).table("second").build()) {
      assertThat(allPages(store, "payments", "")).containsExactly("b", "a", "c");
      assertThat(text(store.read("payments", "", "a"))).isEqualTo("seconda");
      store.write("payments", "", "d", "new".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(sqlite3(db, "PRAGMA user_version;")).isEqualTo("3");
    assertThat(sqlite3(db, "SELECT name FROM pragma_table_info('second') ORDER BY cid;"))
        .isEqualTo("primary_namespace\nsecondary_namespace\nkey\nvalue\nsort_order");
    try (SqliteStore first = SqliteStore.builder(db).table("first").readOnly().build()) {
      assertThat(text(first.read("payments", "", "a"))).isEqualTo("firsta");
    }
  }

  @Test
  void version3_writtenByHand_opensUnchanged_andStaysReadableAsLdkNodeReadsIt() throws Exception {
    Path db = tmp.resolve("v3.sqlite");
    String sql =
        "CREATE TABLE "
            + TABLE
            + " (primary_namespace TEXT NOT NULL,"
            + " secondary_namespace TEXT DEFAULT \"\" NOT NULL,"
            + " key TEXT NOT NULL CHECK (key <> ''), value BLOB,"
            + " sort_order INTEGER NOT NULL DEFAULT 0,"
            + " PRIMARY KEY (primary_namespace, secondary_namespace, key));\n"
            + "CREATE INDEX idx_"
            + TABLE
            + "_paginated ON "
            + TABLE
            + " (primary_namespace, secondary_namespace, sort_order DESC, key ASC);\n"
            + "INSERT INTO "
            + TABLE
            + " VALUES ('payments', '', 'x', CAST('1' AS BLOB), 10);\n"
            + "INSERT INTO "
            + TABLE
            + " VALUES ('payments', '', 'y', CAST('2' AS BLOB), 20);\n"
            + "INSERT INTO "
            + TABLE
            + " VALUES ('payments', '', 'z', CAST('3' AS BLOB), 20);\n"
            + "PRAGMA user_version = 3;\n";
    sqlite3(db, sql);
    try (SqliteStore store = SqliteStore.builder(db).table(TABLE).build()) {
      // ldk-node's order: sort_order DESC, then key ASC
      assertThat(allPages(store, "payments", "")).containsExactly("y", "z", "x");
      store.write("payments", "", "x", "updated".getBytes(StandardCharsets.UTF_8));
      store.write("payments", "", "w", "new".getBytes(StandardCharsets.UTF_8));
    }
    // what ldk-node would run: the same schema version, the upsert kept x's sort_order, and the
    // new row comes after every existing one
    assertThat(sqlite3(db, "PRAGMA user_version;")).isEqualTo("3");
    assertThat(
            sqlite3(
                db,
                "SELECT key || ':' || CAST(value AS TEXT) FROM "
                    + TABLE
                    + " ORDER BY sort_order DESC, key ASC;"))
        .isEqualTo("w:new\ny:2\nz:3\nx:updated");
    assertThat(sqlite3(db, "SELECT sort_order FROM " + TABLE + " WHERE key = 'x';"))
        .isEqualTo("10");
    assertThat(Long.parseLong(sqlite3(db, "SELECT sort_order FROM " + TABLE + " WHERE key = 'w';")))
        .isGreaterThan(20);
  }
}
