package io.lnkv.internal;

import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way lnkv runs a JDBC transaction (SQLite and PostgreSQL stores, their schemas and leases,
 * lnkv serve's storage), with GroupCommitter's rule: what the caller is told is the failure that
 * happened. A rollback or a return to autocommit that fails afterwards is added to it as
 * suppressed, never thrown in its place (a rollback often fails for the same reason the transaction
 * did, a dropped connection, and would hide that reason).
 *
 * <p>Whether a failed commit may still have committed is for {@link InDoubt} to say, from the
 * exception this leaves intact.
 */
public final class Transactions {
  private static final Logger log = LoggerFactory.getLogger(Transactions.class);

  private Transactions() {}

  /** A transaction's work. */
  @FunctionalInterface
  public interface Body<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code body} in a transaction on {@code c} and commits it; on any failure rolls back and
   * rethrows that failure. Autocommit is on again afterwards.
   */
  public static <T> T run(Connection c, Body<T> body) throws SQLException {
    c.setAutoCommit(false);
    Throwable failure = null;
    try {
      T result = body.run(c);
      try {
        c.commit();
      } catch (SQLException e) {
        throw new CommitFailed(e);
      }
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      failure = e;
      rollbackKeeping(c, e);
      throw e;
    } finally {
      restoreAutoCommit(c, failure);
    }
  }

  /**
   * The COMMIT itself failed: unlike a failure before it, which leaves the transaction rolled back,
   * this one may have committed if the connection broke after the COMMIT was sent. Carries the
   * original's message and SQLState; the original is its cause.
   */
  public static final class CommitFailed extends SQLException {
    private static final long serialVersionUID = 1L;

    CommitFailed(SQLException cause) {
      super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
    }
  }

  /** Rolls back, adding a failure of the rollback to {@code failure} as suppressed. */
  public static void rollbackKeeping(Connection c, Throwable failure) {
    try {
      if (!c.getAutoCommit()) {
        c.rollback();
      }
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Turns autocommit back on. If that fails it is added to {@code failure} (the transaction's own
   * failure), or, after a commit that succeeded, logged: the commit stands, and the connection's
   * next use reports what is wrong with it.
   *
   * @param failure the transaction's failure, or null if it committed
   */
  public static void restoreAutoCommit(Connection c, Throwable failure) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      } else {
        log.warn("Could not return a connection to autocommit after a commit: {}", e.toString());
      }
    }
  }
}
