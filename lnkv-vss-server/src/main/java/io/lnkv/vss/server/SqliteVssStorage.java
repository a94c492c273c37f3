package io.lnkv.vss.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lnkv.StoreException;
import io.lnkv.internal.CachingConnection;
import io.lnkv.internal.GroupCommitter;
import io.lnkv.internal.WriterLock;
import io.lnkv.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/**
 * {@link SqlVssStorage} in a SQLite file (WAL, synchronous=FULL), one server per file (a {@link
 * WriterLock}). Each put is a unit of a {@link GroupCommitter} on the one write connection, so that
 * the puts of every client waiting share one transaction and one fsync (each rolled back alone to
 * its savepoint when it conflicts), instead of queueing for SQLite's write lock in its busy
 * handler's sleeps.
 */
final class SqliteVssStorage extends SqlVssStorage {
  private final WriterLock lock;
  private final GroupCommitter committer;

  /** Owns {@code lock} and {@code writer} from now on. */
  private SqliteVssStorage(
      HikariDataSource pool, String description, WriterLock lock, Connection writer) {
    super(pool, VssTable.Dialect.SQLITE, description);
    this.lock = lock;
    this.committer = new GroupCommitter(writer, description);
  }

  /**
   * True: a read is SQLite on pages of a local file (WAL mode: readers never wait for the writer),
   * on one of a pool of connections each held only for one such read.
   */
  @Override
  public boolean readsAreQuick() {
    return true;
  }

  /** A PRAGMA's value on the write connection, inside a commit (for tests). */
  String writerPragma(String name) throws SQLException {
    return committer.pragma(name);
  }

  static SqliteVssStorage open(Path file) {
    try {
      // owner-only, as every file lnkv creates: SQLite gives its -wal and -shm files the
      // database file's permissions
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        io.lnkv.internal.DurableDirectories.create(parent);
      }
      if (!Files.exists(file)) {
        Files.createFile(file, io.lnkv.internal.OwnerOnly.file(file));
        if (parent != null) {
          // The file's name, before a put relies on it. The power-cut harness cannot show this:
          // SQLite does its I/O natively, not through a java.nio file system it can simulate.
          io.lnkv.internal.DurableDirectories.fsync(parent);
        }
      }
    } catch (java.io.IOException e) {
      throw new StoreException("Cannot create the folder of " + file + ": " + e.getMessage(), e);
    }
    refuseForeignDatabase(file);
    WriterLock lock;
    try {
      // SQLite storage is one server's: a second lnkv serve on the file (or a node store opened
      // on it) is refused, as for any store
      lock = WriterLock.acquire(file.toAbsolutePath(), "lnkv serve");
    } catch (java.io.IOException e) {
      throw new StoreException("Cannot lock " + file + ": " + e.getMessage(), e);
    }
    String url =
        "jdbc:sqlite:"
            + file.toAbsolutePath()
            + "?journal_mode=WAL&synchronous=FULL&busy_timeout=10000";
    HikariConfig config = new HikariConfig();
    // statements kept per connection: SQLite's driver compiles the SQL again on every
    // prepareStatement, a large part of a small request's CPU
    javax.sql.DataSource reads = new CachingSource(url);
    config.setDataSource(reads);
    config.setMaximumPoolSize(4);
    config.setPoolName("lnkv-vss-sqlite");
    String description = "SQLite " + file.toAbsolutePath();
    Connection writer = null;
    try {
      // IMMEDIATE: a put reads (usage, versions) before it writes; a deferred transaction would
      // take its snapshot first and then fail to upgrade, rather than wait, if another connection
      // wrote meanwhile
      writer =
          CachingConnection.wrap(DriverManager.getConnection(url + "&transaction_mode=IMMEDIATE"));
      return new SqliteVssStorage(new HikariDataSource(config), description, lock, writer);
    } catch (SQLException | RuntimeException e) {
      try {
        if (writer != null) {
          writer.close();
        }
      } catch (SQLException closing) {
        e.addSuppressed(closing);
      } finally {
        lock.close();
      }
      if (e instanceof SQLException sql) {
        throw new StoreException("Cannot open " + description + ": " + sql.getMessage(), sql);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * Refuses a SQLite file that holds other tables than the server's (a node's store, say): the
   * server would add its table to it. Read without changing the file (immutable: no -wal or -shm is
   * created), before the pool switches it to WAL.
   */
  private static void refuseForeignDatabase(Path file) {
    try {
      if (Files.size(file) == 0) {
        return;
      }
    } catch (java.io.IOException e) {
      throw new StoreException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    List<String> tables = new java.util.ArrayList<>(SqliteStore.tablesIn(file));
    tables.remove("vss_db");
    tables.remove(UserUsage.TABLE);
    if (!tables.isEmpty()) {
      throw new io.lnkv.IncompatibleStoreException(
          "Cannot use "
              + file
              + " as the server's storage: it holds other tables "
              + tables
              + " (a node's store?), and the server would add its own. Give the server a file of"
              + " its own. The file was not changed");
    }
  }

  /** Connections to the file whose prepared statements are kept ({@link CachingConnection}). */
  private static final class CachingSource implements javax.sql.DataSource {
    private final String url;
    private java.io.PrintWriter logWriter;
    private int loginTimeout;

    CachingSource(String url) {
      this.url = url;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return CachingConnection.wrap(DriverManager.getConnection(url));
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public java.io.PrintWriter getLogWriter() {
      return logWriter;
    }

    @Override
    public void setLogWriter(java.io.PrintWriter out) {
      this.logWriter = out;
    }

    @Override
    public void setLoginTimeout(int seconds) {
      this.loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
      return loginTimeout;
    }

    @Override
    public java.util.logging.Logger getParentLogger()
        throws java.sql.SQLFeatureNotSupportedException {
      throw new java.sql.SQLFeatureNotSupportedException("no parent logger");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      throw new SQLException("not a wrapper of " + type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
      return false;
    }
  }

  @Override
  void inTransaction(GroupCommitter.Unit work) throws SQLException {
    committer.submit(work);
  }

  @Override
  void closeWriter() throws SQLException {
    try {
      committer.close(); // commits what is queued first
    } finally {
      lock.close();
    }
  }
}
