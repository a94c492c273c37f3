package io.lnkv.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.lnkv.StoreException;
import io.lnkv.internal.Transactions;
import io.lnkv.postgres.internal.PostgresPools;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * How a {@link PostgresStore} opens. A writer connects, takes ldk-node's advisory lock on a session
 * of its own, then takes lnkv's lease and creates or checks the table in one transaction on that
 * session, so that an open that fails leaves nothing behind (no table, no lease row, no comment
 * changed) and a concurrent opener's race is retried once. A reader checks the table through a pool
 * whose transactions are read-only on the server. On any failure what was opened is closed again
 * and the cause is named, with no secret from the URL.
 */
final class PostgresOpening {
  private PostgresOpening() {}

  static PostgresStore open(PostgresStore.Builder b, boolean readOnly) {
    String where = b.where();
    // a reader's transactions are read-only on the server too: nothing it runs can write
    HikariDataSource pool =
        PostgresPools.open(
            b.jdbcUrl,
            b.user,
            b.password,
            b.maxConnections,
            "lnkv-pg-" + b.table.table(),
            readOnly,
            where);
    if (readOnly) {
      try (Connection c = pool.getConnection()) {
        new PostgresSchema(b.table).checkForReading(c, where);
        return new PostgresStore(b, pool, null, null, 0);
      } catch (SQLException | RuntimeException e) {
        pool.close();
        throw openFailure(where, e);
      }
    }
    AdvisoryLock lock = null;
    try {
      lock = AdvisoryLock.acquire(() -> openSession(b), b.table, where);
      PostgresLease lease = openForWriting(b, lock, where);
      long next;
      try (Connection c = pool.getConnection()) {
        next = b.rows().nextSortOrder(c);
      }
      return new PostgresStore(b, pool, lease, lock, next);
    } catch (SQLException | RuntimeException e) {
      if (lock != null) {
        lock.close();
      }
      pool.close();
      throw openFailure(where, e);
    }
  }

  private static StoreException openFailure(String where, Exception e) {
    if (e instanceof StoreException se) {
      return se;
    }
    if (e instanceof IllegalArgumentException iae) {
      throw iae;
    }
    return new StoreException(
        "Failed to open "
            + where
            + ": "
            + e.getMessage()
            + (e instanceof SQLException sql && sql.getSQLState() != null
                ? " [SQLState " + sql.getSQLState() + "]"
                : "")
            + ". Nothing was changed",
        e);
  }

  /**
   * The opening transaction, on the advisory lock's session: the lease table, the lease, the data
   * table, its check, version and index. Retried once when a concurrent opener created the lease
   * schema or table first.
   */
  private static PostgresLease openForWriting(
      PostgresStore.Builder b, AdvisoryLock lock, String where) throws SQLException {
    Connection c = lock.connection();
    for (int attempt = 1; ; attempt++) {
      try {
        return Transactions.run(c, tx -> openingTransaction(b, tx, lock, where));
      } catch (SQLException e) {
        String state = e.getSQLState();
        boolean raced = "23505".equals(state) || "42P06".equals(state) || "42P07".equals(state);
        if (!raced || attempt == 2) {
          throw e;
        }
      }
    }
  }

  private static PostgresLease openingTransaction(
      PostgresStore.Builder b, Connection c, AdvisoryLock lock, String where) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '10s'");
    }
    String schema =
        b.table.schema() != null ? b.table.schema() : PostgresSchema.currentSchema(c, where);
    PostgresLease lease =
        new PostgresLease(
            schema,
            b.table.table(),
            UUID.randomUUID().toString(),
            holderLine(),
            b.leaseDuration,
            lock);
    PostgresLease.createTable(c, where);
    lease.acquire(c, where);
    new PostgresSchema(b.table).createOrCheck(c, where);
    return lease;
  }

  /** An unpooled connection for the advisory lock's session, committing synchronously. */
  private static Connection openSession(PostgresStore.Builder b) throws SQLException {
    java.util.Properties props = new java.util.Properties();
    if (b.user != null) {
      props.setProperty("user", b.user);
    }
    if (b.password != null) {
      props.setProperty("password", b.password);
    }
    // at most 63 characters are kept: what a refused ldk-node or lnkv sees of this writer
    props.setProperty("ApplicationName", "lnkv writer pid " + ProcessHandle.current().pid());
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("connectTimeout", "10");
    Connection c = java.sql.DriverManager.getConnection(b.jdbcUrl, props);
    try (Statement s = c.createStatement()) {
      s.execute("SET synchronous_commit = on");
    } catch (SQLException e) {
      try {
        c.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return c;
  }

  private static String holderLine() {
    return io.lnkv.internal.ThisProcess.holder(null);
  }
}
