package io.lnkv.vss.server;

import com.google.protobuf.ByteString;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * vss-server's table, {@code vss_db}, in SQL for SQLite and PostgreSQL: primary key (user_token,
 * store_id, key), a version per key, and a {@code sort_order} taken at insert (kept by updates)
 * that orders pages newest first and is the page token. Each method runs its statements on the
 * connection (and in the transaction) it is given; the storages say which. Thread-safe.
 */
final class VssTable {
  private static final java.util.regex.Pattern ISSUED_TOKEN =
      java.util.regex.Pattern.compile("0|[1-9][0-9]{0,18}");

  enum Dialect {
    // SQLite serializes writers, so MAX + 1 (read from its own index) cannot be taken twice
    SQLITE(
        "BLOB",
        "INTEGER NOT NULL",
        "(SELECT COALESCE(MAX(sort_order), 0) + 1 FROM vss_db)",
        "CREATE INDEX IF NOT EXISTS vss_db_next_sort_order ON vss_db (sort_order)"),
    POSTGRES("BYTEA", "BIGSERIAL", null, null);

    final String blob;
    final String sortOrderColumn;

    /** The value of a new row's sort_order, or null where the column's default provides it. */
    final String nextSortOrder;

    /** An index the dialect needs besides the listing one, or null. */
    final String extraIndex;

    Dialect(String blob, String sortOrderColumn, String nextSortOrder, String extraIndex) {
      this.blob = blob;
      this.sortOrderColumn = sortOrderColumn;
      this.nextSortOrder = nextSortOrder;
      this.extraIndex = extraIndex;
    }
  }

  private final Dialect dialect;
  private final String insert;

  VssTable(Dialect dialect) {
    this.dialect = dialect;
    this.insert =
        "INSERT INTO vss_db (user_token, store_id, key, value, version"
            + (dialect.nextSortOrder == null
                ? ") VALUES (?, ?, ?, ?, 1)"
                : ", sort_order) VALUES (?, ?, ?, ?, 1, " + dialect.nextSortOrder + ")");
  }

  /** Creates the table, its indexes and the usage table, where absent. */
  void create(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS vss_db ("
              + "user_token VARCHAR(120) NOT NULL CHECK (user_token <> ''), "
              + "store_id VARCHAR(120) NOT NULL, "
              + "key VARCHAR(600) NOT NULL, "
              + "value "
              + dialect.blob
              + ", "
              + "version BIGINT NOT NULL, "
              + "sort_order "
              + dialect.sortOrderColumn
              + ", "
              + "PRIMARY KEY (user_token, store_id, key))");
      s.execute(
          "CREATE INDEX IF NOT EXISTS vss_db_sort_order ON vss_db (user_token, store_id, sort_order DESC)");
      if (dialect.extraIndex != null) {
        s.execute(dialect.extraIndex);
      }
    }
    UserUsage.create(c);
  }

  static Optional<KeyValue> select(Connection c, String user, String storeId, String key)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT value, version FROM vss_db WHERE user_token = ? AND store_id = ? AND key = ?")) {
      bind(ps, user, storeId, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        byte[] value = rs.getBytes(1);
        return Optional.of(
            KeyValue.newBuilder()
                .setKey(key)
                .setVersion(rs.getLong(2))
                .setValue(value == null ? ByteString.EMPTY : ByteString.copyFrom(value))
                .build());
      }
    }
  }

  /** One item of a put, by vss-server's rules; false when it conflicts. */
  boolean upsert(Connection c, String user, String storeId, String key, long version, byte[] value)
      throws SQLException {
    if (version == -1) {
      // unconditional: the stored version becomes 1; an existing row keeps its sort_order
      try (PreparedStatement ps =
          c.prepareStatement(
              insert
                  + " ON CONFLICT (user_token, store_id, key) DO UPDATE SET value = excluded.value, version = 1")) {
        bind(ps, user, storeId, key);
        ps.setBytes(4, value);
        return ps.executeUpdate() > 0;
      }
    }
    if (version == 0) {
      try (PreparedStatement ps =
          c.prepareStatement(insert + " ON CONFLICT (user_token, store_id, key) DO NOTHING")) {
        bind(ps, user, storeId, key);
        ps.setBytes(4, value);
        return ps.executeUpdate() > 0;
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE vss_db SET value = ?, version = version + 1 WHERE user_token = ? AND store_id = ? AND key = ? AND version = ?")) {
      ps.setBytes(1, value);
      ps.setString(2, user);
      ps.setString(3, storeId);
      ps.setString(4, key);
      ps.setLong(5, version);
      return ps.executeUpdate() > 0;
    }
  }

  static int deleteRow(Connection c, String user, String storeId, String key, long version)
      throws SQLException {
    String sql =
        "DELETE FROM vss_db WHERE user_token = ? AND store_id = ? AND key = ?"
            + (version == -1 ? "" : " AND version = ?");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, user, storeId, key);
      if (version != -1) {
        ps.setLong(4, version);
      }
      return ps.executeUpdate();
    }
  }

  /** One page of keys, newest first; see {@link KeyVersionStorage#list}. */
  ListKeyVersionsResponse list(
      Connection c, String user, String storeId, String prefix, int pageSize, String token)
      throws SQLException {
    Long after = null;
    if (token != null) {
      // Only what this server issues: the decimal sort_order of a page's last key. A sign, a
      // leading zero or a number past a long is a token from elsewhere; answering it with an
      // empty last page would cut the client's listing short without an error.
      if (!ISSUED_TOKEN.matcher(token).matches()) {
        throw new IllegalArgumentException("not a page token this server issued");
      }
      try {
        after = Long.parseLong(token);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a page token this server issued");
      }
    }
    ListKeyVersionsResponse.Builder page = ListKeyVersionsResponse.newBuilder();
    {
      if (token == null) {
        page.setGlobalVersion(
            select(c, user, storeId, VssStorage.GLOBAL_VERSION_KEY)
                .map(KeyValue::getVersion)
                .orElse(0L));
      }
      if (pageSize == 0) {
        return page.setNextPageToken("").build();
      }
      String sql =
          "SELECT key, version, sort_order FROM vss_db WHERE user_token = ? AND store_id = ? AND key <> ?"
              + (prefix == null || prefix.isEmpty() ? "" : " AND substr(key, 1, length(?)) = ?")
              + (after == null ? "" : " AND sort_order < ?")
              + " ORDER BY sort_order DESC LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        ps.setString(i++, user);
        ps.setString(i++, storeId);
        ps.setString(i++, VssStorage.GLOBAL_VERSION_KEY);
        if (prefix != null && !prefix.isEmpty()) {
          // a literal prefix: LIKE would treat '_' and '%' as wildcards (and in SQLite ignore case)
          ps.setString(i++, prefix);
          ps.setString(i++, prefix);
        }
        if (after != null) {
          ps.setLong(i++, after);
        }
        ps.setInt(i, pageSize + 1); // one more than asked says whether another page follows
        try (ResultSet rs = ps.executeQuery()) {
          long lastSortOrder = 0;
          int n = 0;
          boolean more = false;
          while (rs.next()) {
            if (n == pageSize) {
              more = true;
              break;
            }
            page.addKeyVersions(
                KeyValue.newBuilder().setKey(rs.getString(1)).setVersion(rs.getLong(2)));
            lastSortOrder = rs.getLong(3);
            n++;
          }
          page.setNextPageToken(more ? Long.toString(lastSortOrder) : "");
        }
      }
      return page.build();
    }
  }

  private static void bind(PreparedStatement ps, String user, String storeId, String key)
      throws SQLException {
    ps.setString(1, user);
    ps.setString(2, storeId);
    ps.setString(3, key);
  }
}
