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
import io.lnkv.internal.Transactions;
import io.lnkv.postgres.internal.PostgresPools;
import io.lnkv.spi.AbstractKVStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Long because (~520 lines): the store's operations, its retry on a lost connection that tells an
// unknown outcome from a refusal, and its documented Builder. Opening is PostgresOpening, the pool
// PostgresPools, the table's DDL and checks PostgresSchema, the name PostgresTableName, the
// single-writer guards AdvisoryLock and PostgresLease, the SQL SqlKeyValueTable (shared with
// SQLite).
/**
 * A store in a PostgreSQL table with ldk-node's schema (reference §2.4: the SQLite columns with
 * {@code value BYTEA}, {@code sort_order} for creation order, the schema version {@value
 * #SCHEMA_VERSION} in the table's comment), over a HikariCP pool.
 *
 * <h2>Single writer</h2>
 *
 * Opening for writing takes ldk-node's advisory lock (see {@code AdvisoryLock}: the same id, on a
 * session of its own, so a running ldk-node and this store refuse each other in either order) and
 * lnkv's lease (see {@code PostgresLease}: a row in {@code lnkv.writer_leases}) that a background
 * task renews. Every write proves, in its own statement or transaction, that the lease is ours and
 * the lock's session alive, so a process that lost either (paused past expiry and taken over, or
 * its lock taken by ldk-node after a restart) cannot commit: its writes fail with {@link
 * io.lnkv.ConflictException}, nothing applied. A second opener is refused with {@link
 * io.lnkv.StoreLockedException} naming the holder. Closing ends the lock's session and lets the
 * lease expire at once. The whole opening (lease, table, comment, index) is one transaction.
 *
 * <h2>Failures and restarts</h2>
 *
 * An operation that fails because the connection broke or the server is restarting is retried with
 * backoff for up to the retry window (30 s by default) on a fresh connection, then fails with the
 * server's error; a failed write says whether it may have committed ({@link
 * StoreException#mayHaveTakenEffect()}: a connection that broke during its COMMIT, or during an
 * autocommit write, leaves that unknown). Retrying is safe: writes are upserts and deletes, applied
 * under the key's ordering lock, so a retry of a write that did commit changes nothing. A server
 * restart therefore needs no reopening.
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

  private final SqlKeyValueTable rows;
  private final HikariDataSource pool;
  private final PostgresLease lease;
  private final AdvisoryLock advisoryLock;
  private final ScheduledExecutorService renewer;
  private final Duration retryWindow;
  private final AtomicLong nextSortOrder;
  private volatile String fenced; // why this writer lost its lease; null while it holds it

  /** A setting as this store's connections see it (for tests). */
  String sessionSetting(String name) throws SQLException {
    try (Connection c = pool.getConnection()) {
      return PostgresPools.setting(c, name);
    }
  }

  /** A writer holds {@code lease}; a read-only store has none (null) and renews nothing. */
  PostgresStore(
      Builder b,
      HikariDataSource pool,
      PostgresLease lease,
      AdvisoryLock advisoryLock,
      long nextSortOrder) {
    super(b.where() + (lease == null ? " (read-only)" : ""), b);
    this.rows = b.rows();
    this.pool = pool;
    this.lease = lease;
    this.advisoryLock = advisoryLock;
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
    Doubt doubt = new Doubt();
    boolean written =
        withRetry(
            "write " + key,
            Writes.STATEMENT,
            doubt,
            c -> rows.upsertIf(c, lease.heldQuery(), lease::bindHeld, key, value, sortOrder));
    if (!written) {
      writeTransaction("write " + key, doubt, c -> rows.upsert(c, key, value, sortOrder));
    }
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    writeTransaction("remove " + key, new Doubt(), c -> rows.delete(c, key));
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    writeTransaction(
        "apply a batch of " + operations.size() + " operations to",
        new Doubt(),
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

  private void writeTransaction(String what, Doubt doubt, VoidBody body) {
    try {
      refuseIfFenced(what);
    } catch (StoreException e) {
      if (doubt.mayHaveCommitted) { // the fast path's broken attempt may have written it
        throw new StoreException(e.getMessage() + ", unless an earlier attempt did", e, true);
      }
      throw e;
    }
    withRetry(
        what,
        Writes.TRANSACTION,
        doubt,
        c ->
            Transactions.run(
                c,
                tx -> {
                  checkLease(tx);
                  body.run(tx);
                  return null;
                }));
  }

  private void checkLease(Connection c) throws SQLException {
    try {
      lease.checkHeld(c, description());
    } catch (io.lnkv.StoreLockedException e) {
      fenced = "the session holding ldk-node's advisory lock ended and another took the lock";
      log.error("{}: {}; every further write will be refused", description(), fenced);
      throw new io.lnkv.ConflictException(
          "Refusing to write to " + description() + ": " + e.getMessage() + ". Nothing was written",
          e);
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
   * Whether any attempt of one write may have committed: a connection that broke during an
   * autocommit statement or a COMMIT leaves that attempt's outcome unknown, whatever later attempts
   * do. One that broke before (borrowing from the pool, or in a transaction's statements) did not
   * commit.
   */
  private static final class Doubt {
    boolean mayHaveCommitted;
  }

  /** How a body writes: one autocommit statement, or a transaction (committed by Transactions). */
  private enum Writes {
    STATEMENT,
    TRANSACTION
  }

  /** Runs a read, retrying as {@link #withRetry(String, Doubt, Body)} does. */
  private <T> T withRetry(String what, Body<T> body) {
    return withRetry(what, null, null, body);
  }

  /**
   * Runs {@code body} on a pooled connection, retrying on a fresh one while the failure is a lost
   * connection or a server restart and the retry window lasts. For a write ({@code doubt} not null)
   * the failure finally thrown says whether an attempt may have committed ({@link
   * StoreException#mayHaveTakenEffect()}): a failure the server reported (a constraint, a refused
   * lease) rolled its transaction back, so it took no effect unless an earlier attempt's outcome is
   * unknown.
   */
  private <T> T withRetry(String what, Writes writes, Doubt doubt, Body<T> body) {
    Instant deadline = Instant.now().plus(retryWindow);
    Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    int attempt = 0;
    while (true) {
      attempt++;
      SQLException failure;
      Connection c = null;
      try {
        c = pool.getConnection();
        return body.run(c);
      } catch (SQLException e) {
        failure = e;
        // A connection that broke during a transaction's statements rolled it back; during its
        // COMMIT, or during an autocommit statement, it may have committed first.
        boolean committing = writes == Writes.STATEMENT || e instanceof Transactions.CommitFailed;
        if (doubt != null && c != null && committing && isConnectionFailure(e)) {
          doubt.mayHaveCommitted = true;
        }
      } catch (StoreException e) {
        if (doubt != null && doubt.mayHaveCommitted && !e.mayHaveTakenEffect()) {
          throw new StoreException(
              e.getMessage()
                  + " (but an earlier attempt, whose connection broke, may have committed: read"
                  + " the keys, or repeat the operation)",
              e,
              true);
        }
        throw e;
      } finally {
        closeQuietly(c);
      }
      if (!isConnectionFailure(failure) || Instant.now().isAfter(deadline)) {
        boolean unknown = doubt != null && doubt.mayHaveCommitted;
        throw new StoreException(
            "Failed to "
                + what
                + " in "
                + description()
                + " (attempt "
                + attempt
                + "): "
                + failure.getMessage()
                + (failure.getSQLState() == null ? "" : " [SQLState " + failure.getSQLState() + "]")
                + (doubt == null
                    ? ""
                    : unknown
                        ? ". It may or may not have taken effect: a connection broke while it was"
                            + " committing. Read the keys, or repeat it (the values are whole)"
                        : ". Nothing was written"),
            failure,
            unknown || doubt == null);
      }
      long delay = backoff.nextMillis();
      log.debug("{}: {} failed ({}); retrying in {} ms", description(), what, failure, delay);
      sleep(delay);
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("Could not return a connection to the pool: {}", e.toString());
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
    try {
      advisoryLock.keepAlive(description());
    } catch (io.lnkv.StoreLockedException e) {
      fenced = "the session holding ldk-node's advisory lock ended and another took the lock";
      log.error("{}: {}; every further write will be refused", description(), fenced);
      return;
    } catch (SQLException | RuntimeException e) {
      log.warn(
          "{}: could not check the advisory lock's session ({}); will retry",
          description(),
          e.toString());
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
      advisoryLock.close();
      pool.close();
    }
  }

  /** Settings of a {@link PostgresStore}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    final String jdbcUrl;
    String user;
    String password;
    PostgresTableName table = PostgresTableName.parse(DEFAULT_TABLE_NAME);
    Duration leaseDuration = Duration.ofMinutes(2);
    Duration retryWindow = Duration.ofSeconds(30);
    int maxConnections = 10;

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

    /**
     * The table, named as ldk-node names it: {@code table} or {@code schema.table}, each part any
     * non-empty text without NUL, quoted in SQL (so {@code user}, {@code Node-1} or {@code a"b} are
     * tables of exactly that name); {@value #DEFAULT_TABLE_NAME} by default. Without a schema, the
     * table is in the first existing schema of the search_path, as {@code CREATE TABLE} puts it.
     *
     * @throws IllegalArgumentException if ldk-node would refuse the name (empty, an empty part,
     *     more than two parts, a NUL), before any I/O
     */
    public Builder table(String name) {
      this.table = PostgresTableName.parse(name);
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

    SqlKeyValueTable rows() {
      return new SqlKeyValueTable(table.sql(), table.indexSql(), "PostgresStore", true);
    }

    String redactedUrl() {
      return io.lnkv.internal.Secrets.mask(jdbcUrl);
    }

    /**
     * Connects, takes ldk-node's advisory lock and lnkv's lease, creates or checks the table: all
     * of it in one transaction, so an open that fails leaves nothing behind (no table, no lease
     * row, no comment changed).
     *
     * @throws io.lnkv.StoreLockedException if ldk-node or another lnkv writer uses the table
     * @throws IncompatibleStoreException if the table is not ldk-node's, or its schema version is 0
     *     or newer than this code's
     * @throws io.lnkv.StoreNotFoundException read-only, if there is no such table
     * @throws StoreException if the server cannot be reached
     */
    public PostgresStore build() {
      return PostgresOpening.open(this, isReadOnly());
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
