package io.lnkv.vss.server;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What each user holds, kept in a table of its own ({@code vss_user_usage}: bytes of values, rows,
 * stores) and changed in the same transaction as the rows themselves, so that a quota costs one row
 * update per put, however much the user holds (before, every put summed all of the user's rows
 * inside its transaction: on SQLite, inside the single writer, so every user waited behind the
 * biggest). Every row counts as a key, {@code global_version} rows included: opening new store ids
 * is not free.
 *
 * <p>Kept whether or not a quota is set, so that one can be set later. A database written before
 * this table existed gets it filled from {@code vss_db} when it is created (once, as the server
 * starts). All servers on one database must be of a version that keeps it.
 *
 * <p>On PostgreSQL the usage row is updated last in each put, after the rows it changes (which are
 * locked in key order): concurrent puts of one user serialize on it for the end of their
 * transactions, cannot deadlock, and together never pass the quota.
 */
final class UserUsage {
  static final String TABLE = "vss_user_usage";

  private final boolean lockRows; // PostgreSQL: SELECT ... FOR UPDATE

  /** How one put or delete changes its user's usage, gathered as its rows change. */
  static final class Delta {
    long bytes;
    long keys;
    long stores;

    /** A row written: {@code oldLength} -1 when it was absent. */
    void written(long oldLength, long newLength) {
      if (oldLength < 0) {
        keys++;
        bytes += newLength;
      } else {
        bytes += newLength - oldLength;
      }
    }

    /** A row of {@code oldLength} bytes removed. */
    void removed(long oldLength) {
      keys--;
      bytes -= oldLength;
    }
  }

  UserUsage(boolean postgres) {
    this.lockRows = postgres;
  }

  /** Creates the table if absent, filled from {@code vss_db} when it is new. */
  static void create(Connection c) throws SQLException {
    boolean exists;
    DatabaseMetaData meta = c.getMetaData();
    try (ResultSet rs = meta.getTables(null, null, TABLE, new String[] {"TABLE"})) {
      exists = rs.next();
    }
    if (exists) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (user_token VARCHAR(120) PRIMARY KEY, bytes BIGINT NOT NULL,"
              + " keys BIGINT NOT NULL, stores BIGINT NOT NULL)");
      // WHERE true: SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
      s.execute(
          "INSERT INTO "
              + TABLE
              + " (user_token, bytes, keys, stores) SELECT user_token,"
              + " COALESCE(SUM(LENGTH(value)), 0), COUNT(*), COUNT(DISTINCT store_id) FROM vss_db"
              + " WHERE true GROUP BY user_token ON CONFLICT (user_token) DO NOTHING");
    }
  }

  /**
   * The length of a row's value (0 for none), or -1 when there is no such row; on PostgreSQL the
   * row is locked for the rest of the transaction.
   */
  long lengthOf(Connection c, String user, String storeId, String key) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT COALESCE(LENGTH(value), 0) FROM vss_db"
                + " WHERE user_token = ? AND store_id = ? AND key = ?"
                + (lockRows ? " FOR UPDATE" : ""))) {
      ps.setString(1, user);
      ps.setString(2, storeId);
      ps.setString(3, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    }
  }

  /** Whether the user's store has any row. */
  static boolean storeExists(Connection c, String user, String storeId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM vss_db WHERE user_token = ? AND store_id = ? LIMIT 1")) {
      ps.setString(1, user);
      ps.setString(2, storeId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * Adds {@code delta} to the user's usage and, when {@code check}, refuses what it leaves over
   * {@code quota} (the exception rolls the transaction back).
   *
   * @throws KeyVersionStorage.QuotaExceededException when over
   */
  static void add(
      Connection c, String user, Delta delta, KeyVersionStorage.Quota quota, boolean check)
      throws SQLException {
    if (delta.bytes == 0 && delta.keys == 0 && delta.stores == 0 && !check) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (user_token, bytes, keys, stores) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (user_token) DO UPDATE SET bytes = "
                + TABLE
                + ".bytes + excluded.bytes, keys = "
                + TABLE
                + ".keys + excluded.keys, stores = "
                + TABLE
                + ".stores + excluded.stores RETURNING bytes, keys, stores")) {
      ps.setString(1, user);
      ps.setLong(2, delta.bytes);
      ps.setLong(3, delta.keys);
      ps.setLong(4, delta.stores);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long bytes = rs.getLong(1);
        long keys = rs.getLong(2);
        long stores = rs.getLong(3);
        if (check
            && (bytes > quota.maxBytes() || keys > quota.maxKeys() || stores > quota.maxStores())) {
          throw new KeyVersionStorage.QuotaExceededException(
              "Quota exceeded: this put would leave the user with "
                  + stores
                  + " stores, "
                  + keys
                  + " keys and "
                  + bytes
                  + " bytes of values, over the limit of "
                  + (quota.maxStores() == Long.MAX_VALUE ? "" : quota.maxStores() + " stores, ")
                  + quota.maxKeys()
                  + " keys and "
                  + quota.maxBytes()
                  + " bytes; nothing was applied. Remove data, or ask the operator for more");
        }
      }
    }
  }

  /** What the user holds now: bytes, keys, stores; zeros for a user with nothing (for tests). */
  static long[] of(Connection c, String user) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT bytes, keys, stores FROM " + TABLE + " WHERE user_token = ?")) {
      ps.setString(1, user);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}
            : new long[] {0, 0, 0};
      }
    }
  }
}
