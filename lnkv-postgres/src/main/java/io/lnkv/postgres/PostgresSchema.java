package io.lnkv.postgres;

import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreNotFoundException;
import io.lnkv.internal.SqlKeyValueTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * ldk-node's PostgreSQL table, created and checked as ldk-node does (src/io/postgres_store): its
 * DDL, its columns, the schema version in the table's comment (none: a new table; {@code 0}, a
 * non-number or a newer version: refused), and the paginated index. Nothing is written to a table
 * before it is proven ldk-node's. Stateless apart from the name; thread-safe.
 */
final class PostgresSchema {
  private static final Set<String> LDK_NODE_COLUMNS =
      Set.of("primary_namespace", "secondary_namespace", "key", "value", "sort_order");

  private final PostgresTableName name;

  PostgresSchema(PostgresTableName name) {
    this.name = name;
  }

  /** The columns of a table or other relation ({@code relation} as SQL text), none if absent. */
  static Set<String> columnsOf(Connection c, String relation) throws SQLException {
    Set<String> columns = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?)"
                + " AND attnum > 0 AND NOT attisdropped")) {
      ps.setString(1, relation);
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          columns.add(r.getString(1));
        }
      }
    }
    return columns;
  }

  /** Where CREATE TABLE puts an unqualified name: the search_path's first existing schema. */
  static String currentSchema(Connection c, String where) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT current_schema()")) {
      if (r.next() && r.getString(1) != null) {
        return r.getString(1);
      }
    }
    throw new IncompatibleStoreException(
        "Cannot open "
            + where
            + ": no schema of the search_path exists, so the table has nowhere to be; name it"
            + " schema.table, or set the role's search_path. Nothing was changed");
  }

  /** A reader's check: the table exists, is ldk-node's, at a schema version this code knows. */
  void checkForReading(Connection c, String where) throws SQLException {
    if (!tableExists(c)) {
      throw new StoreNotFoundException(
          "No "
              + where
              + ": the database has no table "
              + name
              + "; check the table name (table=NAME or --table) and the database");
    }
    checkColumns(c, where);
    schemaVersion(c, where);
  }

  private boolean tableExists(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?)")) {
      ps.setString(1, name.sql());
      try (ResultSet r = ps.executeQuery()) {
        return r.next() && r.getString(1) != null;
      }
    }
  }

  private void checkColumns(Connection c, String where) throws SQLException {
    Set<String> columns = columnsOf(c, name.sql());
    if (!columns.containsAll(LDK_NODE_COLUMNS)) {
      throw new IncompatibleStoreException(
          "Cannot open "
              + where
              + ": the table "
              + name
              + " is not ldk-node's (its columns are "
              + new TreeSet<>(columns)
              + ", not "
              + new TreeSet<>(LDK_NODE_COLUMNS)
              + "); check the table name. The table was not changed");
    }
  }

  /** The schema version in the table's comment; 0 when it has none (a new table). */
  private int schemaVersion(Connection c, String where) throws SQLException {
    String comment;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT obj_description(to_regclass(?), 'pg_class')")) {
      ps.setString(1, name.sql());
      try (ResultSet r = ps.executeQuery()) {
        comment = r.next() ? r.getString(1) : null;
      }
    }
    if (comment == null) {
      return 0;
    }
    int version;
    try {
      version = Integer.parseInt(comment.trim());
    } catch (NumberFormatException e) {
      throw new IncompatibleStoreException(
          "Cannot open "
              + where
              + ": the table's comment '"
              + PostgresTableName.printable(comment)
              + "' is not a schema version; is this table ldk-node's? The table was not changed");
    }
    if (version <= 0) {
      // ldk-node refuses 0 too: its versions start at 1, and "no version" means a new table
      throw new IncompatibleStoreException(
          "Cannot open "
              + where
              + ": the table's schema version is "
              + version
              + ", which no ldk-node or lnkv writes (versions start at 1); the comment was"
              + " changed by something else. The table was not changed");
    }
    if (version > PostgresStore.SCHEMA_VERSION) {
      throw SqlKeyValueTable.newerSchema(where, version, PostgresStore.SCHEMA_VERSION, "table");
    }
    return version;
  }

  /** Inside the opening transaction: ldk-node's DDL, then the table proved to be ldk-node's. */
  void createOrCheck(Connection c, String where) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + name.sql()
              + " (primary_namespace TEXT NOT NULL,"
              + " secondary_namespace TEXT NOT NULL DEFAULT '',"
              + " key TEXT NOT NULL CHECK (key <> ''),"
              + " value BYTEA,"
              + " sort_order BIGSERIAL CHECK (sort_order >= 0),"
              + " PRIMARY KEY (primary_namespace, secondary_namespace, key))");
      checkColumns(c, where);
      if (schemaVersion(c, where) == 0) {
        s.execute("COMMENT ON TABLE " + name.sql() + " IS '" + PostgresStore.SCHEMA_VERSION + "'");
      }
      s.execute(
          new SqlKeyValueTable(name.sql(), name.indexSql(), "PostgresStore", true)
              .createPaginatedIndex());
    }
  }
}
