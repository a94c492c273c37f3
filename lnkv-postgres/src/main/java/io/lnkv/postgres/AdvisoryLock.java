package io.lnkv.postgres;

import io.lnkv.StoreLockedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * ldk-node's single-writer lock, taken the way ldk-node takes it, so that a running ldk-node and an
 * lnkv writer on one table refuse each other in either order: a session-level advisory lock ({@code
 * pg_try_advisory_lock}) with the id {@link PostgresTableName#advisoryLockId} derives, held by a
 * connection of its own (not pooled: a pool retires connections) for as long as the store is open.
 *
 * <p>The lock lives exactly as long as its session. A session that ended (a server restart, a
 * dropped connection, {@code pg_terminate_backend}) released it, so lnkv's writes prove it is still
 * held: {@link PostgresLease} checks, in the same statement as each write, that the session with
 * {@link #held()}'s process id and start time still exists. When it does not, {@link #reacquire}
 * takes the lock again on a new session, or reports who took it meanwhile.
 *
 * <p>Thread-safe.
 */
final class AdvisoryLock implements AutoCloseable {
  /** Opens a new, unpooled connection to the store's database. */
  @FunctionalInterface
  interface Sessions {
    Connection open() throws SQLException;
  }

  /** The server process holding the lock, and when its session started (microseconds). */
  record Session(int pid, long startMicros) {}

  private final Sessions sessions;
  private final PostgresTableName name;
  private Connection connection; // guarded by this
  private volatile Session held;
  private volatile long id;
  private volatile String database;

  private AdvisoryLock(Sessions sessions, PostgresTableName name) {
    this.sessions = sessions;
    this.name = name;
  }

  /**
   * Opens a session and takes the lock in it.
   *
   * @param where the store, for messages
   * @throws StoreLockedException if another session holds it: a running ldk-node, or an lnkv writer
   *     of the same table
   */
  static AdvisoryLock acquire(Sessions sessions, PostgresTableName name, String where)
      throws SQLException {
    AdvisoryLock lock = new AdvisoryLock(sessions, name);
    synchronized (lock) {
      lock.take(where);
    }
    return lock;
  }

  /** The session holding the lock: the opening transaction runs on it. */
  synchronized Connection connection() {
    return connection;
  }

  /** The session that holds the lock now. */
  Session held() {
    return held;
  }

  /**
   * Takes the lock again after the session that held it ended, unless a live session of this lock
   * already holds it (another thread re-took it first, or {@code gone} is not the current one).
   *
   * @param gone the session found ended
   * @throws StoreLockedException if another session took the lock meanwhile
   */
  synchronized void reacquire(Session gone, String where) throws SQLException {
    if (!gone.equals(held)) {
      return;
    }
    closeConnection();
    take(where);
  }

  /**
   * Proves the session is still there (a round trip, which also keeps an idle-session timeout from
   * ending it), taking the lock again if it is not.
   *
   * @throws StoreLockedException if the session ended and another took the lock meanwhile
   */
  synchronized void keepAlive(String where) throws SQLException {
    Session now = held;
    if (now == null) {
      return; // closed
    }
    if (connection == null || !connection.isValid(10)) {
      reacquire(now, where);
    }
  }

  private void take(String where) throws SQLException {
    Connection c = sessions.open();
    try {
      String db;
      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT current_database()")) {
        r.next();
        db = r.getString(1);
      }
      long lockId = name.advisoryLockId(db);
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        ps.setLong(1, lockId);
        try (ResultSet r = ps.executeQuery()) {
          r.next();
          if (!r.getBoolean(1)) {
            throw new StoreLockedException(
                "Cannot open "
                    + where
                    + ": another PostgreSQL session holds ldk-node's writer lock on database "
                    + db
                    + ", table "
                    + name
                    + " (advisory lock "
                    + lockId
                    + ", "
                    + holderOf(c, lockId)
                    + "): a running ldk-node or another lnkv writer uses this table. Stop it"
                    + " first; two writers of one node's state can lose funds");
          }
        }
      }
      Session session;
      try (Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT pid, (extract(epoch FROM backend_start) * 1000000)::bigint"
                      + " FROM pg_stat_get_activity(pg_backend_pid())")) {
        if (!r.next()) {
          throw new SQLException("the server does not show this session in pg_stat_activity");
        }
        session = new Session(r.getInt(1), r.getLong(2));
      }
      this.connection = c;
      this.id = lockId;
      this.database = db;
      this.held = session;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c, e);
      throw e;
    }
  }

  /** Who holds the lock, as far as the server shows it; never fails. */
  private static String holderOf(Connection c, long lockId) {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT l.pid, a.application_name, a.client_addr::text, a.backend_start::text"
                + " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND l.classid::bigint = ? AND l.objid::bigint = ?"
                + " AND l.database = (SELECT oid FROM pg_database"
                + " WHERE datname = current_database())")) {
      ps.setLong(1, lockId >>> 32);
      ps.setLong(2, lockId & 0xffffffffL);
      try (ResultSet r = ps.executeQuery()) {
        if (!r.next()) {
          return "held by a session that just ended; try again";
        }
        String app = r.getString(2);
        return "held by server process "
            + r.getInt(1)
            + (app == null || app.isEmpty()
                ? ""
                : ", application '" + PostgresTableName.printable(app) + "'")
            + (r.getString(3) == null ? "" : ", from " + r.getString(3))
            + (r.getString(4) == null ? "" : ", connected since " + r.getString(4));
      }
    } catch (SQLException e) {
      return "its holder could not be read: " + e.getMessage();
    }
  }

  /** The lock's id and database, for messages. */
  String describe() {
    return "advisory lock " + id + " on database " + database + ", table " + name;
  }

  /** Releases the lock by ending its session. */
  @Override
  public synchronized void close() {
    closeConnection();
    held = null;
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close(); // the session ends, and with it the lock
      } catch (SQLException e) {
        // the session is gone either way: the server ends it when the connection drops
      }
      connection = null;
    }
  }

  private static void closeQuietly(Connection c, Exception failure) {
    try {
      c.close();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }
}
