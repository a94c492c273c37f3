package io.lnkv.sqlite;

import io.lnkv.IncompatibleStoreException;
import io.lnkv.internal.SqlKeyValueTable;
import io.lnkv.internal.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ldk-node's SQLite schema and its migrations (reference §6). The version lives in {@code PRAGMA
 * user_version}; each step runs in one transaction that also sets the new version, so a crash
 * leaves the database at the old version or the new one.
 *
 * <ul>
 *   <li>1: {@code (namespace, key, value)}, primary key {@code (namespace, key)};
 *   <li>2: {@code namespace} renamed {@code primary_namespace}, {@code secondary_namespace} added;
 *   <li>3: {@code sort_order} (creation order, filled from ROWID for existing rows) and the
 *       paginated index; a table whose primary key is not {@code (primary_namespace,
 *       secondary_namespace, key)} is rebuilt.
 * </ul>
 */
final class SqliteSchema {
  private static final Logger log = LoggerFactory.getLogger(SqliteSchema.class);

  /** The version this code writes. */
  static final int VERSION = 3;

  private SqliteSchema() {}

  static String createTable(String table) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " (primary_namespace TEXT NOT NULL,"
        + " secondary_namespace TEXT DEFAULT \"\" NOT NULL,"
        + " key TEXT NOT NULL CHECK (key <> ''),"
        + " value BLOB,"
        + " sort_order INTEGER NOT NULL DEFAULT 0,"
        + " PRIMARY KEY (primary_namespace, secondary_namespace, key))";
  }

  static String createIndex(String table) {
    return new SqlKeyValueTable(table, "SqliteStore").createPaginatedIndex();
  }

  /**
   * Brings the table to {@link #VERSION}, creating it in a new database. The steps a table takes
   * follow its own columns, not {@code user_version}: that is the database's, so a second table of
   * an old schema can sit in a database another table already brought to version 3. Each step sets
   * {@code user_version} to its version unless the database is already past it.
   *
   * @throws IncompatibleStoreException if the database is newer than this code, or foreign
   */
  static void upgrade(Connection c, String table, String where) throws SQLException {
    int version = checkVersion(c, where);
    if (!tableExists(c, table)) {
      if (version != 0 && version != VERSION) {
        throw new IncompatibleStoreException(
            "Cannot open "
                + where
                + ": the database is at schema version "
                + version
                + " and has no table "
                + table
                + "; open its existing table once to migrate the database to version "
                + VERSION
                + ", then open this one. The database was not changed");
      }
      // user_version is the database's, not the table's: a second table (another --table in the
      // same file) is new although the database is current
      log.info("Creating table {} in {}", table, where);
      inTransaction(
          c,
          s -> {
            s.execute(createTable(table));
            s.execute(createIndex(table));
            if (version == 0) {
              s.execute("PRAGMA user_version = " + VERSION);
            }
          });
      return;
    }
    int shape = tableVersion(c, table, where);
    if (shape == 1) {
      log.warn(
          "Upgrading table {} of {} from schema version 1 to 2 (as ldk-node does)", table, where);
      inTransaction(
          c,
          s -> {
            s.execute("ALTER TABLE " + table + " RENAME COLUMN namespace TO primary_namespace");
            s.execute(
                "ALTER TABLE " + table + " ADD secondary_namespace TEXT DEFAULT \"\" NOT NULL");
            raiseUserVersion(c, s, 2);
          });
      shape = 2;
    }
    if (shape == 2) {
      log.warn(
          "Upgrading table {} of {} from schema version 2 to 3 (as ldk-node does)", table, where);
      boolean keyed =
          primaryKey(c, table).equals(List.of("primary_namespace", "secondary_namespace", "key"));
      inTransaction(
          c,
          s -> {
            if (keyed) {
              s.execute(
                  "ALTER TABLE " + table + " ADD COLUMN sort_order INTEGER NOT NULL DEFAULT 0");
              s.execute("UPDATE " + table + " SET sort_order = ROWID");
            } else {
              String old = table + "_v2_old";
              s.execute("ALTER TABLE " + table + " RENAME TO " + old);
              s.execute(createTable(table));
              s.execute(
                  "INSERT INTO "
                      + table
                      + " (primary_namespace, secondary_namespace, key, value, sort_order)"
                      + " SELECT primary_namespace, secondary_namespace, key, value, ROWID FROM "
                      + old);
              s.execute("DROP TABLE " + old);
            }
            s.execute(createIndex(table));
            raiseUserVersion(c, s, 3);
          });
    } else if (version < VERSION) {
      // the table is current but the database says older (a crash between ldk-node's steps
      // cannot do this, each step sets both; lnkv's own per-table steps can): say it is current
      inTransaction(c, s -> raiseUserVersion(c, s, VERSION));
    }
  }

  /** Sets user_version to {@code to} unless the database is already past it. */
  private static void raiseUserVersion(Connection c, Statement s, int to) throws SQLException {
    if (userVersion(c) < to) {
      s.execute("PRAGMA user_version = " + to);
    }
  }

  /**
   * The schema version a table's columns say, whatever the database's user_version: 1 with {@code
   * namespace}, 2 without {@code sort_order}, else 3.
   *
   * @throws IncompatibleStoreException if the columns are none of ldk-node's
   */
  static int tableVersion(Connection c, String table, String where) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (r.next()) {
        columns.add(r.getString("name"));
      }
    }
    if (columns.contains("key") && columns.contains("value")) {
      if (columns.contains("namespace") && !columns.contains("primary_namespace")) {
        return 1;
      }
      if (columns.contains("primary_namespace") && columns.contains("secondary_namespace")) {
        return columns.contains("sort_order") ? 3 : 2;
      }
    }
    throw new IncompatibleStoreException(
        "Cannot open "
            + where
            + ": the table "
            + table
            + " is not ldk-node's (its columns are "
            + columns
            + "); check the table name (--table). The database was not changed");
  }

  /**
   * The database's schema version, once it is known not to be newer than this code's, nor a
   * database of something else: version 0 with tables in it is not an ldk-node database, and lnkv
   * does not add its table to it. Reads only.
   *
   * @throws IncompatibleStoreException if the database is newer or foreign
   */
  static int checkVersion(Connection c, String where) throws SQLException {
    int version = userVersion(c);
    if (version > VERSION) {
      throw SqlKeyValueTable.newerSchema(where, version, VERSION, "database");
    }
    if (version == 0) {
      List<String> tables = tables(c);
      if (!tables.isEmpty()) {
        throw new IncompatibleStoreException(
            "Cannot open "
                + where
                + ": it is not an ldk-node or lnkv database (user_version 0, tables "
                + tables
                + "). lnkv adds its table only to a new database or one of its own; check the"
                + " path. The database was not changed");
      }
    }
    return version;
  }

  /** The tables in the database, SQLite's own left out. */
  static List<String> tables(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                    + " ORDER BY name")) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }

  static boolean tableExists(Connection c, String table) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
      ps.setString(1, table);
      try (ResultSet r = ps.executeQuery()) {
        return r.next();
      }
    }
  }

  static int userVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA user_version")) {
      return r.next() ? r.getInt(1) : 0;
    }
  }

  /** The primary-key columns in key order. */
  private static List<String> primaryKey(Connection c, String table) throws SQLException {
    List<String[]> cols = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (r.next()) {
        int pk = r.getInt("pk");
        if (pk > 0) {
          cols.add(new String[] {Integer.toString(pk), r.getString("name")});
        }
      }
    }
    cols.sort((a, b) -> Integer.parseInt(a[0]) - Integer.parseInt(b[0]));
    return cols.stream().map(a -> a[1]).toList();
  }

  @FunctionalInterface
  private interface Steps {
    void run(Statement s) throws SQLException;
  }

  private static void inTransaction(Connection c, Steps steps) throws SQLException {
    Transactions.run(
        c,
        tx -> {
          try (Statement s = tx.createStatement()) {
            steps.run(s);
          }
          return null;
        });
  }
}
