package io.lnkv.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.ConflictException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreLockedException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * PostgresStore as ldk-node's PostgreSQL store behaves (src/io/postgres_store/mod.rs): its table
 * names and quoting, its advisory lock, its refusal of schema version 0; and lnkv's lease kept
 * where no data table can be.
 */
class PostgresLdkNodeCompatTest {
  private static Connection connect() throws Exception {
    return DriverManager.getConnection(PgTestServer.url());
  }

  private static void sql(String statement) throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private static String query(String q, String... params) throws Exception {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement(q)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet r = ps.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  private static String unique() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  }

  private static String leaseRows(String schema, String table) throws Exception {
    if (query("SELECT to_regclass('lnkv.writer_leases')") == null) {
      return "0";
    }
    return query(
        "SELECT count(*) FROM lnkv.writer_leases WHERE table_schema = ? AND table_name = ?",
        schema,
        table);
  }

  /** ldk-node's lock id, computed independently (Python's hashlib) for these inputs. */
  @Test
  void advisoryLockId_isLdkNodes() {
    assertThat(PostgresTableName.parse("ldk_data").advisoryLockId("ldk_db"))
        .isEqualTo(-2927480243500845141L);
    assertThat(PostgresTableName.parse("node.ldk_data").advisoryLockId("postgres"))
        .isEqualTo(-6250344156722491756L);
    assertThat(PostgresTableName.parse("user").advisoryLockId("ldk_db"))
        .isEqualTo(3032310054690732878L);
    assertThat(PostgresTableName.parse("\"x-y\"").advisoryLockId("äb"))
        .isEqualTo(-8980579353186199193L);
  }

  @Test
  void namesLdkNodeRefuses_areRefusedBeforeAnyIo() {
    for (String bad : List.of("", ".", "a.", ".a", "a..b", "a.b.c", "a\0b")) {
      // an unreachable server: a name check that needed I/O would fail differently
      assertThatThrownBy(() -> PostgresStore.builder("jdbc:postgresql://192.0.2.1:1/x").table(bad))
          .as("'%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Invalid PostgreSQL table name");
    }
  }

  @Test
  void namesLdkNodeAccepts_openAsTablesOfExactlyThatName() throws Exception {
    String u = unique();
    List<String> names =
        new ArrayList<>(
            List.of(
                "select",
                "user",
                "order",
                "Node-" + u,
                "with \"quote\" " + u,
                "lnkv_test_" + u + "_lease"));
    for (String name : names) {
      if (List.of("select", "user", "order").contains(name)) {
        sql("DROP TABLE IF EXISTS \"" + name + "\"");
      }
      try (PostgresStore store = PgTestServer.builder(name).build()) {
        store.write("payments", "", "p", new byte[] {7});
        assertThat(store.read("payments", "", "p")).containsExactly(7);
        assertThat(store.listPaginated("payments", "", null).keys()).containsExactly("p");
      }
      assertThat(query("SELECT count(*) FROM pg_class WHERE relname = ? AND relkind = 'r'", name))
          .as(name)
          .isEqualTo("1");
      assertThat(query("SELECT obj_description(to_regclass(?), 'pg_class')", quoted(name)))
          .isEqualTo("1");
      assertThat(
              query(
                  "SELECT count(*) FROM pg_class WHERE relname = ?", "idx_" + name + "_paginated"))
          .as("index of %s", name)
          .isEqualTo("1");
    }
  }

  @Test
  void schemaQualifiedName_isThatSchemasTable_andItsOwnLock() throws Exception {
    String schema = "Node Schema " + unique();
    sql("CREATE SCHEMA \"" + schema + "\"");
    String name = schema + ".ldk_data";
    try (PostgresStore store = PgTestServer.builder(name).build()) {
      store.write("", "", "k", new byte[] {1});
      assertThat(
              query(
                  "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      + " WHERE n.nspname = ? AND c.relname = 'ldk_data'",
                  schema))
          .isEqualTo("1");
      assertThat(leaseRows(schema, "ldk_data")).isEqualTo("1");
      assertThatThrownBy(() -> PgTestServer.builder(name).build())
          .isInstanceOf(StoreLockedException.class);
    }
  }

  /** Before: {@code t}'s lease lived in {@code t_lease}, so {@code t_lease} could not be opened. */
  @Test
  void aTableAndItsOldLeaseName_openSideBySide() throws Exception {
    String t = PgTestServer.freshTable();
    try (PostgresStore first = PgTestServer.builder(t).build();
        PostgresStore second = PgTestServer.builder(t + "_lease").build()) {
      first.write("", "", "k", new byte[] {1});
      second.write("", "", "k", new byte[] {2});
      assertThat(first.read("", "", "k")).containsExactly(1);
      assertThat(second.read("", "", "k")).containsExactly(2);
    }
  }

  @Test
  void aNameThatFails_leavesNothingBehind() throws Exception {
    String t = "missing_schema_" + unique() + ".t";
    assertThatThrownBy(() -> PgTestServer.builder(t).build())
        .hasMessageContaining("Nothing was changed");
    assertThat(leaseRows(t.substring(0, t.indexOf('.')), "t")).isEqualTo("0");
  }

  @Test
  void aForeignTable_isRefused_andLeftUnchanged() throws Exception {
    String t = PgTestServer.freshTable();
    sql("CREATE TABLE " + t + " (id INT PRIMARY KEY, note TEXT)");
    sql("COMMENT ON TABLE " + t + " IS 'someone else''s'");
    assertThatThrownBy(() -> PgTestServer.builder(t).build())
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("not ldk-node's");
    assertThat(query("SELECT obj_description(to_regclass(?), 'pg_class')", t))
        .isEqualTo("someone else's");
    assertThat(query("SELECT count(*) FROM pg_indexes WHERE tablename = ?", t)).isEqualTo("1");
    assertThat(leaseRows("public", t)).isEqualTo("0");
  }

  @Test
  void schemaVersionZero_isRefused_asLdkNodeDoes_andTheTableIsLeftUnchanged() throws Exception {
    String t = PgTestServer.freshTable();
    createLdkNodeTable(t);
    sql("COMMENT ON TABLE " + t + " IS '0'");
    assertThatThrownBy(() -> PgTestServer.builder(t).build())
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("schema version is 0");
    assertThat(query("SELECT obj_description(to_regclass(?), 'pg_class')", t)).isEqualTo("0");
    assertThat(query("SELECT count(*) FROM pg_indexes WHERE tablename = ?", t)).isEqualTo("1");
    assertThatThrownBy(() -> PgTestServer.builder(t).readOnly().build())
        .isInstanceOf(IncompatibleStoreException.class);
  }

  /** ldk-node's table as ldk-node's DDL makes it, with no comment (a new table). */
  private static void createLdkNodeTable(String t) throws Exception {
    sql(
        "CREATE TABLE "
            + t
            + " (primary_namespace TEXT NOT NULL, secondary_namespace TEXT NOT NULL DEFAULT '',"
            + " key TEXT NOT NULL, value BYTEA, sort_order BIGSERIAL,"
            + " PRIMARY KEY (primary_namespace, secondary_namespace, key))");
  }

  /** A session holding ldk-node's lock, as a running ldk-node does. */
  private static Connection ldkNodeHolding(String table) throws Exception {
    Properties p = new Properties();
    p.setProperty("ApplicationName", "ldk-node test double");
    Connection c = DriverManager.getConnection(PgTestServer.url(), p);
    String db = currentDatabase(c);
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, PostgresTableName.parse(table).advisoryLockId(db));
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        assertThat(r.getBoolean(1)).as("the double took the lock").isTrue();
      }
    }
    return c;
  }

  private static String currentDatabase(Connection c) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT current_database()")) {
      r.next();
      return r.getString(1);
    }
  }

  @Test
  void aRunningLdkNode_keepsAnLnkvWriterOut_namingItself() throws Exception {
    String t = PgTestServer.freshTable();
    try (Connection ldkNode = ldkNodeHolding(t)) {
      assertThat(ldkNode.isValid(5)).isTrue();
      assertThatThrownBy(() -> PgTestServer.builder(t).build())
          .isInstanceOf(StoreLockedException.class)
          .hasMessageContaining("ldk-node's writer lock")
          .hasMessageContaining("application 'ldk-node test double'");
      assertThat(query("SELECT to_regclass(?)", t)).isNull(); // nothing created
      // a reader takes no lock
      createLdkNodeTable(t);
      PgTestServer.builder(t).readOnly().build().close();
    }
    PgTestServer.builder(t).build().close(); // ldk-node stopped: the lock is free
  }

  @Test
  void anLnkvWriter_keepsLdkNodeOut() throws Exception {
    String t = PgTestServer.freshTable();
    try (PostgresStore store = PgTestServer.builder(t).build();
        Connection ldkNode = connect();
        PreparedStatement ps = ldkNode.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, PostgresTableName.parse(t).advisoryLockId(currentDatabase(ldkNode)));
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        assertThat(r.getBoolean(1)).as("ldk-node would get the lock").isFalse();
      }
      store.write("", "", "k", new byte[] {1});
    }
  }

  @Test
  void whenTheLockSessionEnds_theNextWriteTakesTheLockAgain() throws Exception {
    String t = PgTestServer.freshTable();
    try (PostgresStore store = PgTestServer.builder(t).build()) {
      store.write("", "", "k", new byte[] {1});
      PgTestServer.terminateWriterLockSession(t);
      store.write("", "", "k", new byte[] {2});
      assertThat(store.read("", "", "k")).containsExactly(2);
      try (Connection ldkNode = connect();
          PreparedStatement ps = ldkNode.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        ps.setLong(1, PostgresTableName.parse(t).advisoryLockId(currentDatabase(ldkNode)));
        try (ResultSet r = ps.executeQuery()) {
          r.next();
          assertThat(r.getBoolean(1)).as("lnkv holds the lock again").isFalse();
        }
      }
    }
  }

  /** The gap a lock session's end opens: ldk-node took the lock; lnkv must not write beside it. */
  @Test
  void whenLdkNodeTookTheLockAfterTheSessionEnded_writesAreRefused_andNothingLands()
      throws Exception {
    String t = PgTestServer.freshTable();
    try (PostgresStore store = PgTestServer.builder(t).build()) {
      store.write("", "", "k", new byte[] {1});
      PgTestServer.terminateWriterLockSession(t);
      try (Connection ldkNode = ldkNodeHolding(t)) {
        assertThat(ldkNode.isValid(5)).isTrue();
        assertThatThrownBy(() -> store.write("", "", "k", new byte[] {2}))
            .isInstanceOf(ConflictException.class)
            .hasMessageContaining("Nothing was written");
        assertThatThrownBy(() -> store.write("", "", "other", new byte[] {2}))
            .isInstanceOf(ConflictException.class);
        assertThat(query("SELECT count(*) FROM " + t + " WHERE key = 'other'")).isEqualTo("0");
        assertThat(store.read("", "", "k")).containsExactly(1);
      }
    }
  }

  private static String quoted(String name) {
    return PostgresTableName.parse(name).sql();
  }
}
