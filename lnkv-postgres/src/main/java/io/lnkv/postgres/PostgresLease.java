package io.lnkv.postgres;

import io.lnkv.ConflictException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreLockedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The single-writer lease, as eclair keeps one: a row per data table in {@value #QUALIFIED} (a
 * schema of lnkv's own, so no data table can collide with it) holding the writer's instance id, a
 * line naming it, and when the lease expires. Time is the database's {@code now()}, so the writers'
 * clocks do not matter. Beside it, the writer holds ldk-node's {@link AdvisoryLock}; the lease is
 * what fences a writer that paused past its lease while its session stayed up.
 *
 * <ul>
 *   <li>Taking it (in the opening transaction): lock the row ({@code FOR UPDATE}), take it if it is
 *       absent, ours, or expired; otherwise refuse, naming the holder and the expiry.
 *   <li>Renewing: extend the expiry while the row is still ours; a background task does it well
 *       before expiry.
 *   <li>Fencing: every writing transaction first reads the row {@code FOR SHARE} and goes on only
 *       if it is ours and the session holding the advisory lock is alive. The share lock keeps a
 *       taker (who needs {@code FOR UPDATE}) out until the transaction ends, so a writer that lost
 *       its lease can never commit. A lease that expired but is still ours is extended in the same
 *       transaction.
 *   <li>Releasing: the expiry is set to now, keeping the row for diagnosis.
 * </ul>
 */
final class PostgresLease {
  static final String SCHEMA = "lnkv";
  static final String QUALIFIED = "\"lnkv\".\"writer_leases\"";
  private static final Set<String> COLUMNS =
      Set.of("table_schema", "table_name", "instance", "holder", "acquired_at", "expires_at");

  private final String tableSchema;
  private final String tableName;
  private final String instance;
  private final String holder;
  private final Duration duration;
  private final AdvisoryLock lock;

  /**
   * @param tableSchema the data table's schema, resolved (the search_path's first schema when the
   *     name has none)
   */
  PostgresLease(
      String tableSchema,
      String tableName,
      String instance,
      String holder,
      Duration duration,
      AdvisoryLock lock) {
    this.tableSchema = tableSchema;
    this.tableName = tableName;
    this.instance = instance;
    this.holder = holder;
    this.duration = duration;
    this.lock = lock;
  }

  /**
   * Creates the lease table if there is none, inside the caller's transaction, and checks that it
   * is lnkv's before anything is written to it.
   *
   * @throws IncompatibleStoreException if {@value #QUALIFIED} exists with other columns
   */
  static void createTable(Connection c, String where) throws SQLException {
    try (Statement s = c.createStatement()) {
      boolean schemaExists;
      try (ResultSet r =
          s.executeQuery("SELECT to_regnamespace('" + PostgresTableName.quote(SCHEMA) + "')")) {
        schemaExists = r.next() && r.getString(1) != null;
      }
      if (!schemaExists) {
        // created only when missing: CREATE SCHEMA checks the privilege before IF NOT EXISTS
        s.execute("CREATE SCHEMA IF NOT EXISTS " + PostgresTableName.quote(SCHEMA));
      }
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + QUALIFIED
              + " (table_schema TEXT NOT NULL, table_name TEXT NOT NULL,"
              + " instance TEXT NOT NULL, holder TEXT NOT NULL,"
              + " acquired_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL,"
              + " PRIMARY KEY (table_schema, table_name))");
    }
    Set<String> columns = PostgresSchema.columnsOf(c, QUALIFIED);
    if (!columns.equals(COLUMNS)) {
      throw new IncompatibleStoreException(
          "Cannot open "
              + where
              + ": "
              + QUALIFIED
              + ", where lnkv keeps its writer leases, has the columns "
              + new TreeSet<>(columns)
              + ", not lnkv's "
              + new TreeSet<>(COLUMNS)
              + "; rename that table. Nothing was changed");
    }
  }

  /**
   * Takes the lease inside the caller's (opening) transaction: the row is written when that
   * transaction commits.
   *
   * @throws StoreLockedException if another instance holds an unexpired lease
   */
  void acquire(Connection c, String where) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + QUALIFIED
                + " (table_schema, table_name, instance, holder, acquired_at, expires_at)"
                + " VALUES (?, ?, '', '', now(), now()) ON CONFLICT DO NOTHING")) {
      bindKey(ps, 1);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT instance, holder, expires_at, expires_at > now() FROM "
                + QUALIFIED
                + " WHERE table_schema = ? AND table_name = ? FOR UPDATE")) {
      bindKey(ps, 1);
      try (ResultSet r = ps.executeQuery()) {
        if (r.next() && !r.getString(1).equals(instance) && r.getBoolean(4)) {
          throw new StoreLockedException(
              "Cannot open "
                  + where
                  + ": another writer holds its lease ("
                  + r.getString(2)
                  + ", until "
                  + r.getString(3)
                  + "); stop that writer, or wait for the lease to expire if it died."
                  + " Two writers of one node's state can lose funds");
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + QUALIFIED
                + " SET instance = ?, holder = ?, acquired_at = now(),"
                + " expires_at = now() + ?::interval WHERE table_schema = ? AND table_name = ?")) {
      ps.setString(1, instance);
      ps.setString(2, holder);
      ps.setString(3, interval());
      bindKey(ps, 4);
      ps.executeUpdate();
    }
  }

  /**
   * Extends the lease if it is still ours (autocommit, or inside the caller's transaction).
   *
   * @return false if another instance took it
   */
  boolean renew(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + QUALIFIED
                + " SET expires_at = now() + ?::interval"
                + " WHERE table_schema = ? AND table_name = ? AND instance = ?")) {
      ps.setString(1, interval());
      bindKey(ps, 2);
      ps.setString(4, instance);
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * A query for a {@code WITH} clause: one row while the lease is ours and unexpired and the
   * advisory lock's session is alive, none otherwise, share-locking the lease row as {@link
   * #checkHeld} does. Its parameters are bound by {@link #bindHeld}.
   */
  String heldQuery() {
    return "SELECT 1 FROM "
        + QUALIFIED
        + " WHERE table_schema = ? AND table_name = ? AND instance = ? AND expires_at > now()"
        + " AND "
        + sessionAlive()
        + " FOR SHARE";
  }

  /**
   * Binds {@link #heldQuery()}'s parameters from {@code first} on.
   *
   * @return the index of the next parameter
   */
  int bindHeld(PreparedStatement ps, int first) throws SQLException {
    bindKey(ps, first);
    ps.setString(first + 2, instance);
    return bindSession(ps, first + 3, lock.held());
  }

  private static String sessionAlive() {
    return "EXISTS (SELECT 1 FROM pg_stat_get_activity(?) a"
        + " WHERE (extract(epoch FROM a.backend_start) * 1000000)::bigint = ?)";
  }

  private static int bindSession(PreparedStatement ps, int at, AdvisoryLock.Session s)
      throws SQLException {
    ps.setInt(at, s == null ? -1 : s.pid());
    ps.setLong(at + 1, s == null ? -1 : s.startMicros());
    return at + 2;
  }

  /**
   * Inside a writing transaction, before its writes: proves the lease is ours and the advisory lock
   * held, and keeps the lease so until the transaction ends. A lock whose session ended (a server
   * restart) is taken again first.
   *
   * @throws ConflictException if another instance holds the lease
   * @throws StoreLockedException if the advisory lock's session ended and another took the lock
   */
  void checkHeld(Connection c, String where) throws SQLException {
    for (int attempt = 0; ; attempt++) {
      AdvisoryLock.Session session = lock.held();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT instance, holder, expires_at > now(), "
                  + sessionAlive()
                  + " FROM "
                  + QUALIFIED
                  + " WHERE table_schema = ? AND table_name = ? FOR SHARE")) {
        int next = bindSession(ps, 1, session);
        bindKey(ps, next);
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
          if (!r.getBoolean(4)) {
            if (attempt > 0 || session == null) {
              throw new ConflictException(
                  "Refusing to write to "
                      + where
                      + ": the session holding ldk-node's advisory lock is gone and could not be"
                      + " replaced. Nothing was written; reopen the store");
            }
            lock.reacquire(session, where); // the session ended (a restart): take it again
            clearActivitySnapshot(c); // this transaction saw the sessions as they were
            continue;
          }
          if (r.getBoolean(3)) {
            return;
          }
        }
      }
      renew(c); // expired but still ours: nobody took it over, so extend it with this write
      return;
    }
  }

  /**
   * A transaction reads {@code pg_stat_get_activity} from a snapshot taken at its first use, which
   * would not show the session taken just now.
   */
  private static void clearActivitySnapshot(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SELECT pg_stat_clear_snapshot()");
    }
  }

  /** Lets the lease expire now, if it is ours (autocommit). */
  void release(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + QUALIFIED
                + " SET expires_at = now()"
                + " WHERE table_schema = ? AND table_name = ? AND instance = ?")) {
      bindKey(ps, 1);
      ps.setString(3, instance);
      ps.executeUpdate();
    }
  }

  /** The data table this lease guards, for messages. */
  String guards() {
    return PostgresTableName.quote(tableSchema) + "." + PostgresTableName.quote(tableName);
  }

  private void bindKey(PreparedStatement ps, int at) throws SQLException {
    ps.setString(at, tableSchema);
    ps.setString(at + 1, tableName);
  }

  private String interval() {
    return duration.toMillis() + " milliseconds";
  }
}
