package io.lnkv.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.lnkv.BatchOp;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.Backoff;
import io.lnkv.internal.SqlKeyValueTable;
import io.lnkv.postgres.internal.PostgresPools;
import io.lnkv.spi.AbstractKVStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Why this file is long (~480 lines): the store's operations, its retry on a lost connection and
// its documented Builder. The pool is PostgresPools, the writer lease PostgresLease, the SQL
// SqlKeyValueTable (shared with SQLite).
/**
 * A store in a PostgreSQL table with ldk-node's schema (reference §2.4: the SQLite columns with
 * {@code value BYTEA}, {@code sort_order} for creation order, the schema version {@value
 * #SCHEMA_VERSION} in the table's comment), over a HikariCP pool.
 *
 * <h2>Single writer</h2>
 *
 * Opening takes a lease (see {@code PostgresLease}) that a background task renews; every writing
 * transaction first checks the lease, so a process that lost it (paused past expiry and taken over)
 * cannot commit: its writes fail with {@link io.lnkv.ConflictException}, nothing applied. A second
 * opener is refused with {@link io.lnkv.StoreLockedException} naming the holder and the expiry.
 * Closing lets the lease expire at once.
 *
 * <h2>Failures and restarts</h2>
 *
 * An operation that fails because the connection broke or the server is restarting is retried with
 * backoff for up to the retry window (30 s by default) on a fresh connection, then fails with the
 * server's error. Retrying is safe: writes are upserts and deletes, applied under the key's
 * ordering lock, so a retry of a write that did commit changes nothing. A server restart therefore
 * needs no reopening.
 *
 * <p>Durable on return: PostgreSQL commits with its own {@code synchronous_commit} setting (on by
 * default; do not turn it off for node state). Pages come from the paginated index; the token is
 * the decimal {@code sort_order}, as ldk-node's. Atomic batches: one transaction. Thread-safe.
 */
public final class PostgresStore extends AbstractKVStore {
  /** ldk-node's default table. */
  public static final String DEFAULT_TABLE_NAME = "ldk_data";

  /** The schema version this code writes (in the table's comment, as ldk-node keeps it). */
  public static final int SCHEMA_VERSION = 1;

  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);
  private static final Pattern TABLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,50}");

  private final SqlKeyValueTable rows;
  private final HikariDataSource pool;
  private final PostgresLease lease;
  private final ScheduledExecutorService renewer;
  private final Duration retryWindow;
  private final AtomicLong nextSortOrder;
  private volatile String fenced; // why this writer lost its lease; null while it holds it

  /** A setting as this store's connections see it (for tests). */
  String sessionSetting(String name) throws SQLException {
    try (Connection c = pool.getConnection()) {
      return Builder.setting(c, name);
    }
  }

  /** A writer holds {@code lease}; a read-only store has none (null) and renews nothing. */
  private PostgresStore(Builder b, HikariDataSource pool, PostgresLease lease, long nextSortOrder) {
    super(b.where() + (lease == null ? " (read-only)" : ""), b);
    this.rows = new SqlKeyValueTable(b.table, "PostgresStore", true);
    this.pool = pool;
    this.lease = lease;
    this.retryWindow = b.retryWindow;
    this.nextSortOrder = new AtomicLong(nextSortOrder);
    if (lease == null) {
      this.renewer = null;
      return;
    }
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            io.lnkv.internal.DaemonThreads.named("lnkv-pg-lease"));
    long every = Math.max(100, b.leaseDuration.toMillis() / 4);
    renewer.scheduleWithFixedDelay(this::renewLease, every, every, TimeUnit.MILLISECONDS);
  }

  /** A builder for a store at {@code jdbcUrl}, e.g. {@code jdbc:postgresql://host/ldk_db}. */
  public static Builder builder(String jdbcUrl) {
    return new Builder(jdbcUrl);
  }

  @Override
  public boolean supportsAtomicBatch() {
    return true;
  }

  // ---- writes -------------------------------------------------------------------------------

  /**
   * One statement, one round trip, its own transaction: the upsert happens only if the lease is
   * ours and unexpired, checked and share-locked in the same statement. Otherwise (expired but
   * ours, or lost) the write goes the way of every other: a transaction that checks the lease
   * first, renewing it or refusing.
   */
  @Override
  protected void doWrite(ScopedKey key, byte[] value) {
    refuseIfFenced("write " + key);
    long sortOrder = nextSortOrder.getAndIncrement();
    boolean written =
        withRetry(
            "write " + key,
            c -> rows.upsertIf(c, lease.heldQuery(), lease.instance(), key, value, sortOrder));
    if (!written) {
      writeTransaction("write " + key, c -> rows.upsert(c, key, value, sortOrder));
    }
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    writeTransaction("remove " + key, c -> rows.delete(c, key));
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    writeTransaction(
        "apply a batch of " + operations.size() + " operations to",
        c -> rows.apply(c, operations, nextSortOrder::getAndIncrement));
  }

  @FunctionalInterface
  private interface Body<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  private interface VoidBody {
    void run(Connection c) throws SQLException;
  }

  private void refuseIfFenced(String what) {
    String lost = fenced;
    if (lost != null) {
      throw new io.lnkv.ConflictException(
          "Refusing to " + what + " in " + description() + ": " + lost + ". Nothing was written");
    }
  }

  private void writeTransaction(String what, VoidBody body) {
    refuseIfFenced(what);
    withRetry(
        what,
        c -> {
          c.setAutoCommit(false);
          try {
            lease.checkHeld(c, description());
            body.run(c);
            c.commit();
          } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            throw e;
          }
          return null;
        });
  }

  private static void rollbackQuietly(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  // ---- reads --------------------------------------------------------------------------------

  @Override
  protected byte[] doRead(ScopedKey key) {
    return withRetry("read " + key, c -> rows.read(c, key));
  }

  @Override
  protected List<String> doList(String primary, String secondary) {
    return withRetry("list " + primary + "/" + secondary, c -> rows.list(c, primary, secondary));
  }

  @Override
  protected Page doListPaginated(String primary, String secondary, PageToken token, int size) {
    if (token != null) {
      rows.parseToken(token); // a malformed token fails before any I/O
    }
    return withRetry(
        "list a page of " + primary + "/" + secondary,
        c -> rows.page(c, primary, secondary, token, size));
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    return withRetry("list all keys of the store", rows::listAll);
  }

  // ---- retries, lease, lifecycle ------------------------------------------------------------

  /**
   * Runs {@code body} on a pooled connection, retrying on a fresh one while the failure is a lost
   * connection or a server restart and the retry window lasts.
   */
  private <T> T withRetry(String what, Body<T> body) {
    Instant deadline = Instant.now().plus(retryWindow);
    Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    int attempt = 0;
    while (true) {
      attempt++;
      try (Connection c = pool.getConnection()) {
        return body.run(c);
      } catch (SQLException e) {
        if (!isConnectionFailure(e) || Instant.now().isAfter(deadline)) {
          throw new StoreException(
              "Failed to "
                  + what
                  + " in "
                  + description()
                  + " (attempt "
                  + attempt
                  + "): "
                  + e.getMessage()
                  + (e.getSQLState() == null ? "" : " [SQLState " + e.getSQLState() + "]"),
              e);
        }
        long delay = backoff.nextMillis();
        log.debug("{}: {} failed ({}); retrying in {} ms", description(), what, e, delay);
        sleep(delay);
      }
    }
  }

  /** Connection lost, server shutting down or starting: worth retrying on a new connection. */
  static boolean isConnectionFailure(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08")
            || state.equals("57P01")
            || state.equals("57P02")
            || state.equals("57P03")) {
          return true;
        }
      }
    }
    return false;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Interrupted while waiting to retry", e);
    }
  }

  private void renewLease() {
    if (fenced != null) {
      return;
    }
    try (Connection c = pool.getConnection()) {
      if (!lease.renew(c)) {
        fenced = "this writer lost its lease (another writer took it over)";
        log.error("{}: {}; every further write will be refused", description(), fenced);
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("{}: could not renew the lease ({}); will retry", description(), e.toString());
    }
  }

  @Override
  protected void doClose() {
    if (lease == null) {
      pool.close();
      return;
    }
    renewer.shutdownNow();
    try (Connection c = pool.getConnection()) {
      if (fenced == null) {
        lease.release(c);
      }
    } catch (SQLException e) {
      log.warn(
          "{}: could not release the lease ({}); it expires on its own",
          description(),
          e.toString());
    } finally {
      pool.close();
    }
  }

  /** Settings of a {@link PostgresStore}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    private final String jdbcUrl;
    private String user;
    private String password;
    private String table = DEFAULT_TABLE_NAME;
    private Duration leaseDuration = Duration.ofMinutes(2);
    private Duration retryWindow = Duration.ofSeconds(30);
    private int maxConnections = 10;

    private Builder(String jdbcUrl) {
      this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException(
            "Invalid JDBC URL '" + redactedUrl() + "': expected jdbc:postgresql://host[:port]/db");
      }
    }

    /** The user, unless the URL names it. */
    public Builder user(String name) {
      this.user = name;
      return this;
    }

    /** The password, unless the URL holds it. */
    public Builder password(String secret) {
      this.password = secret;
      return this;
    }

    /** The table; {@value #DEFAULT_TABLE_NAME} by default. Its lease is {@code <table>_lease}. */
    public Builder table(String name) {
      if (name == null || !TABLE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "Invalid table name '" + name + "': use lower-case letters, digits and '_'");
      }
      this.table = name;
      return this;
    }

    /** How long the lease lasts without renewal; 2 minutes by default, renewed every quarter. */
    public Builder leaseDuration(Duration duration) {
      if (duration.toMillis() < 400) {
        throw new IllegalArgumentException("leaseDuration must be at least 400 ms");
      }
      this.leaseDuration = duration;
      return this;
    }

    /** How long connection failures are retried; 30 s by default (0 disables retries). */
    public Builder retryWindow(Duration window) {
      if (window.isNegative()) {
        throw new IllegalArgumentException("retryWindow must not be negative");
      }
      this.retryWindow = window;
      return this;
    }

    /** The most pooled connections; 10 by default. */
    public Builder maxConnections(int count) {
      if (count < 2) {
        throw new IllegalArgumentException("maxConnections must be at least 2, was " + count);
      }
      this.maxConnections = count;
      return this;
    }

    String where() {
      return "PostgresStore " + redactedUrl() + " (table " + table + ")";
    }

    String redactedUrl() {
      return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /**
     * Connects, takes the lease, creates or checks the schema.
     *
     * @throws io.lnkv.StoreLockedException if another writer holds the lease
     * @throws IncompatibleStoreException if the table's schema version is newer than this code's
     * @throws StoreException if the server cannot be reached
     */
    public PostgresStore build() {
      String where = where();
      // a reader's transactions are read-only on the server too: nothing it runs can write
      HikariDataSource pool =
          PostgresPools.open(
              jdbcUrl, user, password, maxConnections, "lnkv-pg-" + table, isReadOnly(), where);
      PostgresLease lease =
          new PostgresLease(
              table + "_lease", UUID.randomUUID().toString(), holderLine(), leaseDuration);
      try (Connection c = pool.getConnection()) {
        if (isReadOnly()) {
          checkSchema(c, where);
          return new PostgresStore(this, pool, null, 0);
        }
        lease.createTable(c);
        lease.acquire(c, where);
        createOrCheckSchema(c, where);
        long next = new SqlKeyValueTable(table, "PostgresStore").nextSortOrder(c);
        return new PostgresStore(this, pool, lease, next);
      } catch (SQLException | RuntimeException e) {
        pool.close();
        if (e instanceof StoreException se) {
          throw se;
        }
        throw new StoreException("Failed to open " + where + ": " + e.getMessage(), e);
      }
    }

    static String setting(Connection c, String name) throws SQLException {
      return PostgresPools.setting(c, name);
    }

    /** A reader's check: the table exists, at a schema version this code knows. */
    private void checkSchema(Connection c, String where) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?)")) {
        ps.setString(1, table);
        try (ResultSet r = ps.executeQuery()) {
          if (!r.next() || r.getString(1) == null) {
            throw new io.lnkv.StoreNotFoundException(
                "No "
                    + where
                    + ": the database has no table "
                    + table
                    + "; check the table name (table=NAME or --table) and the database");
          }
        }
      }
      try (Statement s = c.createStatement()) {
        schemaVersion(s, where);
      }
    }

    private int schemaVersion(Statement s, String where) throws SQLException {
      int version = 0;
      try (ResultSet r =
          s.executeQuery("SELECT obj_description('" + table + "'::regclass, 'pg_class')")) {
        if (r.next() && r.getString(1) != null) {
          try {
            version = Integer.parseInt(r.getString(1).trim());
          } catch (NumberFormatException e) {
            throw new IncompatibleStoreException(
                "Cannot open "
                    + where
                    + ": the table's comment '"
                    + r.getString(1)
                    + "' is not a schema version; is this table ldk-node's?");
          }
        }
      }
      if (version > SCHEMA_VERSION) {
        throw SqlKeyValueTable.newerSchema(where, version, SCHEMA_VERSION, "table");
      }
      return version;
    }

    private void createOrCheckSchema(Connection c, String where) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS "
                + table
                + " (primary_namespace TEXT NOT NULL,"
                + " secondary_namespace TEXT NOT NULL DEFAULT '',"
                + " key TEXT NOT NULL CHECK (key <> ''),"
                + " value BYTEA,"
                + " sort_order BIGSERIAL CHECK (sort_order >= 0),"
                + " PRIMARY KEY (primary_namespace, secondary_namespace, key))");
        int version = schemaVersion(s, where);
        if (version == 0) {
          s.execute("COMMENT ON TABLE " + table + " IS '" + SCHEMA_VERSION + "'");
        }
        s.execute(new SqlKeyValueTable(table, "PostgresStore").createPaginatedIndex());
      }
    }

    private static String holderLine() {
      return io.lnkv.internal.ThisProcess.holder(null);
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
