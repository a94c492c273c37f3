package io.lnkv.internal;

import io.lnkv.BatchOp;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The statements of ldk-node's key-value table, shared by the SQLite and PostgreSQL stores (both
 * dialects accept them): columns {@code primary_namespace, secondary_namespace, key, value,
 * sort_order}, primary key on the first three, pages {@code sort_order DESC, key ASC} from the
 * index {@code idx_<table>_paginated}, page token the decimal {@code sort_order} of a page's last
 * key.
 *
 * <p>Every method runs on the connection it is given, inside whatever transaction is open there.
 * Stateless apart from the table name; thread-safe. The table name is put into SQL text, so the
 * caller must have checked it is a plain identifier.
 */
public final class SqlKeyValueTable {
  private final String table;
  private final String index;
  private final String storeKind;
  private final boolean postgres;

  /**
   * @param table a plain SQL identifier, already checked
   * @param storeKind names the store in the message of a malformed page token
   */
  public SqlKeyValueTable(String table, String storeKind) {
    this(table, storeKind, false);
  }

  /**
   * @param table a plain SQL identifier, already checked
   * @param storeKind names the store in the message of a malformed page token
   * @param postgres whether the database is PostgreSQL: a batch's runs of writes are then one
   *     statement over arrays instead of one statement per write
   */
  public SqlKeyValueTable(String table, String storeKind, boolean postgres) {
    this(table, "idx_" + table + "_paginated", storeKind, postgres);
  }

  /**
   * @param table the table's name as SQL text: a plain identifier, or quoted identifiers
   * @param index the paginated index's name as SQL text
   * @param storeKind names the store in the message of a malformed page token
   * @param postgres whether the database is PostgreSQL (see above)
   */
  public SqlKeyValueTable(String table, String index, String storeKind, boolean postgres) {
    this.table = table;
    this.index = index;
    this.storeKind = storeKind;
    this.postgres = postgres;
  }

  /** The table's name. */
  public String name() {
    return table;
  }

  /** DDL of the paginated index. */
  public String createPaginatedIndex() {
    return "CREATE INDEX IF NOT EXISTS "
        + index
        + " ON "
        + table
        + " (primary_namespace, secondary_namespace, sort_order DESC, key ASC)";
  }

  /**
   * Creates or replaces a value. A new row takes {@code sortOrder}; an existing row keeps its own
   * (creation order), as ldk-node's upsert does.
   */
  public void upsert(Connection c, ScopedKey key, byte[] value, long sortOrder)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(upsertSql())) {
      bindUpsert(ps, key, value, sortOrder);
      ps.executeUpdate();
    }
  }

  /** Binds a guard query's parameters from {@code first} on, returning the next index. */
  @FunctionalInterface
  public interface GuardParameters {
    int bind(PreparedStatement ps, int first) throws SQLException;
  }

  /**
   * PostgreSQL: {@link #upsert}, done only if {@code guard} (a query whose parameters {@code
   * parameters} binds) returns a row, in the same statement: a check and a write in one round trip.
   *
   * @return whether the guard held, and the row was written
   */
  public boolean upsertIf(
      Connection c,
      String guard,
      GuardParameters parameters,
      ScopedKey key,
      byte[] value,
      long sortOrder)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "WITH guard AS ("
                + guard
                + ") "
                + upsertOf("SELECT ?, ?, ?, ?::bytea, ?::bigint FROM guard"))) {
      int at = parameters.bind(ps, 1);
      ps.setString(at, key.primaryNamespace());
      ps.setString(at + 1, key.secondaryNamespace());
      ps.setString(at + 2, key.key());
      ps.setBytes(at + 3, value);
      ps.setLong(at + 4, sortOrder);
      return ps.executeUpdate() == 1;
    }
  }

  /** Deletes a row if present. */
  public void delete(Connection c, ScopedKey key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(deleteSql())) {
      bindKey(ps, key);
      ps.executeUpdate();
    }
  }

  /**
   * Applies a batch's operations in order; new rows take numbers from {@code sortOrders}. Each run
   * of consecutive removals is one JDBC batch, and each run of consecutive writes one too (its
   * statements still execute one after another, so a key written twice ends with its last value):
   * over the network a run is one round trip instead of one per operation. On PostgreSQL a run of
   * writes is a single statement over arrays (one plan, one execution), its keys made unique first:
   * a key written twice keeps the first write's sort_order and the last one's value, as the writes
   * one after another would leave it.
   */
  public void apply(Connection c, List<BatchOp> operations, LongSupplier sortOrders)
      throws SQLException {
    int start = 0;
    while (start < operations.size()) {
      boolean writes = operations.get(start) instanceof BatchOp.Write;
      int end = start;
      while (end < operations.size() && (operations.get(end) instanceof BatchOp.Write) == writes) {
        end++;
      }
      List<BatchOp> run = operations.subList(start, end);
      if (writes && postgres) {
        upsertAll(c, run, sortOrders);
      } else {
        try (PreparedStatement ps = c.prepareStatement(writes ? upsertSql() : deleteSql())) {
          for (BatchOp op : run) {
            if (op instanceof BatchOp.Write w) {
              bindUpsert(ps, w.key(), w.value(), sortOrders.getAsLong());
            } else {
              bindKey(ps, op.key());
            }
            ps.addBatch();
          }
          ps.executeBatch();
        }
      }
      start = end;
    }
  }

  /** PostgreSQL: a run of writes as one upsert over arrays, each key once. */
  private void upsertAll(Connection c, List<BatchOp> run, LongSupplier sortOrders)
      throws SQLException {
    java.util.Map<ScopedKey, Integer> slot = new java.util.HashMap<>();
    List<ScopedKey> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    List<Long> orders = new ArrayList<>();
    for (BatchOp op : run) {
      BatchOp.Write w = (BatchOp.Write) op;
      long order = sortOrders.getAsLong();
      Integer i = slot.putIfAbsent(w.key(), keys.size());
      if (i == null) {
        keys.add(w.key());
        values.add(w.value());
        orders.add(order);
      } else {
        values.set(i, w.value()); // the last value; the first write's place in creation order
      }
    }
    int n = keys.size();
    String[] primary = new String[n];
    String[] secondary = new String[n];
    String[] key = new String[n];
    for (int i = 0; i < n; i++) {
      primary[i] = keys.get(i).primaryNamespace();
      secondary[i] = keys.get(i).secondaryNamespace();
      key[i] = keys.get(i).key();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            upsertOf(
                "SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[], ?::bigint[])"))) {
      // plain Java arrays, which the driver encodes itself (no java.sql.Array to build); the time
      // of a batch is the server executing the upsert, not the encoding (measured: no difference)
      ps.setObject(1, primary);
      ps.setObject(2, secondary);
      ps.setObject(3, key);
      ps.setObject(4, values.toArray(new byte[0][]));
      ps.setObject(5, orders.stream().mapToLong(Long::longValue).toArray());
      ps.executeUpdate();
    }
  }

  private String upsertSql() {
    return upsertOf("VALUES (?, ?, ?, ?, ?)");
  }

  /**
   * The upsert of the rows {@code rows} yields (a VALUES list or a SELECT of primary, secondary,
   * key, value, sort_order): an existing row takes the new value and keeps its sort_order.
   */
  private String upsertOf(String rows) {
    return "INSERT INTO "
        + table
        + " (primary_namespace, secondary_namespace, key, value, sort_order) "
        + rows
        + " ON CONFLICT (primary_namespace, secondary_namespace, key)"
        + " DO UPDATE SET value = excluded.value";
  }

  private String deleteSql() {
    return "DELETE FROM "
        + table
        + " WHERE primary_namespace = ? AND secondary_namespace = ? AND key = ?";
  }

  private static void bindUpsert(PreparedStatement ps, ScopedKey key, byte[] value, long sortOrder)
      throws SQLException {
    bindKey(ps, key);
    ps.setBytes(4, value);
    ps.setLong(5, sortOrder);
  }

  /** The value, or null if there is no row (a NULL value reads as empty). */
  public byte[] read(Connection c, ScopedKey key) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT value FROM "
                + table
                + " WHERE primary_namespace = ? AND secondary_namespace = ? AND key = ?")) {
      bindKey(ps, key);
      try (ResultSet r = ps.executeQuery()) {
        if (!r.next()) {
          return null;
        }
        byte[] v = r.getBytes(1);
        return v == null ? new byte[0] : v;
      }
    }
  }

  /** The keys of a scope. */
  public List<String> list(Connection c, String primary, String secondary) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT key FROM "
                + table
                + " WHERE primary_namespace = ? AND secondary_namespace = ?")) {
      ps.setString(1, primary);
      ps.setString(2, secondary);
      List<String> keys = new ArrayList<>();
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          keys.add(r.getString(1));
        }
      }
      return keys;
    }
  }

  /**
   * One page, from the index: {@code size + 1} rows are read to know whether another page follows.
   *
   * @throws IllegalArgumentException if the token is not a decimal sort_order
   */
  public Page page(Connection c, String primary, String secondary, PageToken token, int size)
      throws SQLException {
    long before = token == null ? Long.MAX_VALUE : parseToken(token);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT key, sort_order FROM "
                + table
                + " WHERE primary_namespace = ? AND secondary_namespace = ? AND sort_order < ?"
                + " ORDER BY sort_order DESC, key ASC LIMIT ?")) {
      ps.setString(1, primary);
      ps.setString(2, secondary);
      ps.setLong(3, before);
      ps.setInt(4, size + 1);
      List<String> keys = new ArrayList<>();
      long lastOrder = 0;
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          if (keys.size() == size) {
            return new Page(keys, Optional.of(new PageToken(Long.toString(lastOrder))));
          }
          keys.add(r.getString(1));
          lastOrder = r.getLong(2);
        }
      }
      return Page.last(keys);
    }
  }

  /** Parses a page token before any I/O. */
  public long parseToken(PageToken token) {
    return parseSortOrderToken(token, storeKind);
  }

  /**
   * A token that is a decimal sort_order: 1 to 19 ASCII digits, at most {@link Long#MAX_VALUE}.
   * Anything else (a sign, spaces, an overflow, an empty string) is refused: read as a number below
   * every key it would end the caller's listing early, silently.
   *
   * @param storeKind names the store in the message, e.g. {@code SqliteStore}
   * @throws IllegalArgumentException if the token is not one
   */
  public static long parseSortOrderToken(PageToken token, String storeKind) {
    String s = token.value();
    boolean digits = !s.isEmpty() && s.length() <= 19;
    for (int i = 0; digits && i < s.length(); i++) {
      digits = s.charAt(i) >= '0' && s.charAt(i) <= '9';
    }
    if (digits) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException overflow) {
        // 19 digits above Long.MAX_VALUE: refused below
      }
    }
    throw new IllegalArgumentException(
        "Invalid page token '"
            + token
            + "': not a "
            + storeKind
            + " token (the decimal sort_order of a key, 0 to "
            + Long.MAX_VALUE
            + "); pass the token the previous page returned, unchanged");
  }

  /** Every key in the table. */
  public List<ScopedKey> listAll(Connection c) throws SQLException {
    List<ScopedKey> keys = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery("SELECT primary_namespace, secondary_namespace, key FROM " + table)) {
      while (r.next()) {
        keys.add(ScopedKey.of(r.getString(1), r.getString(2), r.getString(3)));
      }
    }
    return keys;
  }

  /** The next free sort_order: one past the largest in the table. */
  public long nextSortOrder(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT COALESCE(MAX(sort_order), 0) FROM " + table)) {
      r.next();
      return r.getLong(1) + 1;
    }
  }

  private static void bindKey(PreparedStatement ps, ScopedKey key) throws SQLException {
    ps.setString(1, key.primaryNamespace());
    ps.setString(2, key.secondaryNamespace());
    ps.setString(3, key.key());
  }

  /**
   * The refusal of a schema newer than this code's, said the same way for every SQL store.
   *
   * @param where the store, e.g. {@code SqliteStore at /data/node.sqlite}
   * @param what what was left unchanged, e.g. {@code database} or {@code table}
   */
  public static io.lnkv.IncompatibleStoreException newerSchema(
      String where, int version, int known, String what) {
    return new io.lnkv.IncompatibleStoreException(
        "Cannot open "
            + where
            + ": its schema version is "
            + version
            + ", newer than the "
            + known
            + " this lnkv knows; use a newer lnkv. The "
            + what
            + " was not changed");
  }
}
