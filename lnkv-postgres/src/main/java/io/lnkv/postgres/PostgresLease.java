package io.lnkv.postgres;

import io.lnkv.ConflictException;
import io.lnkv.StoreLockedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The single-writer lease, as eclair keeps one: a one-row table holding the writer's instance id, a
 * line naming it, and when the lease expires. Time is the database's {@code now()}, so the writers'
 * clocks do not matter.
 *
 * <ul>
 *   <li>Taking it: lock the table ({@code ACCESS EXCLUSIVE}), read the row, and take it if it is
 *       absent, ours, or expired; otherwise refuse, naming the holder and the expiry.
 *   <li>Renewing: extend the expiry while the row is still ours; a background task does it well
 *       before expiry.
 *   <li>Fencing: every writing transaction first reads the row {@code FOR SHARE} and goes on only
 *       if it is ours. The share lock keeps a taker (who needs the table lock) out until the
 *       transaction ends, so a writer that lost its lease can never commit. A lease that expired
 *       but is still ours is extended in the same transaction.
 *   <li>Releasing: the expiry is set to now, keeping the row for diagnosis.
 * </ul>
 */
final class PostgresLease {
  private final String table;
  private final String instance;
  private final String holder;
  private final Duration duration;

  PostgresLease(String table, String instance, String holder, Duration duration) {
    this.table = table;
    this.instance = instance;
    this.holder = holder;
    this.duration = duration;
  }

  String table() {
    return table;
  }

  void createTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + table
              + " (id INTEGER PRIMARY KEY CHECK (id = 1), instance TEXT NOT NULL,"
              + " holder TEXT NOT NULL, acquired_at TIMESTAMPTZ NOT NULL,"
              + " expires_at TIMESTAMPTZ NOT NULL)");
    }
  }

  /**
   * Takes the lease in its own transaction.
   *
   * @throws StoreLockedException if another instance holds an unexpired lease
   */
  void acquire(Connection c, String where) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '10s'");
      s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
      try (ResultSet r =
          s.executeQuery(
              "SELECT instance, holder, expires_at, expires_at > now() FROM "
                  + table
                  + " WHERE id = 1")) {
        if (r.next() && !r.getString(1).equals(instance) && r.getBoolean(4)) {
          String other = r.getString(2);
          String until = r.getString(3);
          c.rollback();
          throw new StoreLockedException(
              "Cannot open "
                  + where
                  + ": another writer holds its lease ("
                  + other
                  + ", until "
                  + until
                  + "); stop that writer, or wait for the lease to expire if it died."
                  + " Two writers of one node's state can lose funds");
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + table
                  + " (id, instance, holder, acquired_at, expires_at)"
                  + " VALUES (1, ?, ?, now(), now() + ?::interval)"
                  + " ON CONFLICT (id) DO UPDATE SET instance = excluded.instance,"
                  + " holder = excluded.holder, acquired_at = excluded.acquired_at,"
                  + " expires_at = excluded.expires_at")) {
        ps.setString(1, instance);
        ps.setString(2, holder);
        ps.setString(3, interval());
        ps.executeUpdate();
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      if (!c.getAutoCommit()) {
        c.rollback();
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * Extends the lease if it is still ours (autocommit).
   *
   * @return false if another instance took it
   */
  boolean renew(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + table
                + " SET expires_at = now() + ?::interval WHERE id = 1 AND instance = ?")) {
      ps.setString(1, interval());
      ps.setString(2, instance);
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * A query for a {@code WITH} clause: one row while the lease is ours and unexpired, none
   * otherwise, share-locking the lease row as {@link #checkHeld} does (a taker waits for the
   * statement's transaction to end). Its one parameter is {@link #instance()}.
   */
  String heldQuery() {
    return "SELECT 1 FROM "
        + table
        + " WHERE id = 1 AND instance = ? AND expires_at > now() FOR SHARE";
  }

  /** This writer's instance id, the parameter of {@link #heldQuery()}. */
  String instance() {
    return instance;
  }

  /**
   * Inside a writing transaction, before its writes: proves the lease is ours and keeps it so until
   * the transaction ends.
   *
   * @throws ConflictException if another instance holds the lease
   */
  void checkHeld(Connection c, String where) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT instance, holder, expires_at > now() FROM "
                + table
                + " WHERE id = 1 FOR SHARE")) {
      try (ResultSet r = ps.executeQuery()) {
        boolean found = r.next();
        if (!found || !r.getString(1).equals(instance)) {
          String other = found ? r.getString(2) : "nobody (the lease row is gone)";
          throw new ConflictException(
              "Refusing to write to "
                  + where
                  + ": this writer lost its lease to "
                  + other
                  + ". Nothing was written. Another node now writes this state; stop this one");
        }
        if (r.getBoolean(3)) {
          return;
        }
      }
    }
    renew(c); // expired but still ours: nobody took it over, so extend it with this write
  }

  /** Lets the lease expire now, if it is ours (autocommit). */
  void release(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE " + table + " SET expires_at = now() WHERE id = 1 AND instance = ?")) {
      ps.setString(1, instance);
      ps.executeUpdate();
    }
  }

  private String interval() {
    return duration.toMillis() + " milliseconds";
  }
}
