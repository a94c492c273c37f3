package io.lnkv.sqlite;

import io.lnkv.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.function.BiFunction;

/**
 * A few read connections, created on demand. In WAL mode they read while the committer writes, and
 * each statement sees every transaction committed before it started. A JDBC connection to SQLite
 * serves one thread at a time: a connection is lent for one query.
 */
final class ReadConnections implements AutoCloseable {
  private final Opener opener;
  private final Semaphore permits;
  private final BlockingQueue<Connection> idle;
  private final List<Connection> all = new ArrayList<>(); // guarded by this

  /** Opens one read connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  ReadConnections(Opener opener, int max) {
    this.opener = opener;
    this.permits = new Semaphore(max, true);
    this.idle = new ArrayBlockingQueue<>(max);
  }

  @FunctionalInterface
  interface Query<T> {
    T run(Connection connection) throws SQLException;
  }

  <T> T query(
      Query<T> query, BiFunction<String, SQLException, StoreException> failure, String what) {
    permits.acquireUninterruptibly();
    Connection c = null;
    try {
      c = idle.poll();
      if (c == null) {
        c =
            io.lnkv.internal.CachingConnection.wrap(
                opener.open()); // statements kept per connection
        synchronized (this) {
          all.add(c);
        }
      }
      return query.run(c);
    } catch (SQLException e) {
      throw failure.apply(what, e);
    } finally {
      if (c != null) {
        idle.add(c);
      }
      permits.release();
    }
  }

  @Override
  public synchronized void close() {
    for (Connection c : all) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing; nothing to do about it
      }
    }
    all.clear();
  }
}
