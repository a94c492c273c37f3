package io.lnkv.sqlite;

import io.lnkv.BatchOp;
import io.lnkv.CorruptedDataException;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.GroupCommitter;
import io.lnkv.internal.SqlKeyValueTable;
import io.lnkv.internal.WriterLock;
import io.lnkv.spi.AbstractKVStore;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.sqlite.SQLiteException;

/**
 * A store in a SQLite database with ldk-node's schema (user_version 3, {@code sort_order}), so that
 * ldk-node opens a database lnkv wrote and lnkv opens ldk-node's, migrating versions 1 and 2 as
 * ldk-node does.
 *
 * <h2>Durability and group commit</h2>
 *
 * WAL journal with {@code synchronous=FULL}: a transaction is durable when its commit returns.
 * Writes are group-committed: a writer that finds no commit in progress commits on its own thread;
 * writers that arrive during a commit queue, and the first of them then applies every write queued
 * in one transaction. Each caller returns once the transaction holding its write is durable, and
 * concurrent writers share one fsync. Reads use their own connections and see every committed
 * write. Each connection keeps its compiled statements.
 *
 * <h2>Order and pages</h2>
 *
 * A new key takes the next {@code sort_order}; an upsert keeps it, as ldk-node does. Pages are
 * {@code sort_order DESC, key ASC} from the paginated index, whatever the size of the namespace;
 * the page token is the decimal {@code sort_order} of the page's last key.
 *
 * <h2>Opening</h2>
 *
 * A file that is not a SQLite database is refused and left untouched ({@link
 * CorruptedDataException}); a newer schema is refused ({@link io.lnkv.IncompatibleStoreException});
 * a second writer is refused ({@link io.lnkv.StoreLockedException}) by a lock file beside the
 * database ({@code .<file>.lnkv-lock}). New files are readable by their owner only.
 *
 * <p>Atomic batches: one transaction. Thread-safe.
 *
 * <p>Opening is {@code SqliteOpening}, the schema {@code SqliteSchema}, group commit {@code
 * GroupCommitter}, readers {@code ReadConnections}, read-only connections {@code ReadOnlyOpening},
 * the SQL {@code SqlKeyValueTable} (shared with PostgreSQL).
 */
public final class SqliteStore extends AbstractKVStore {
  /** ldk-node's database file name (what its Node builder uses). */
  public static final String LDK_NODE_DB_FILE_NAME = "ldk_node_data.sqlite";

  /** ldk-node's table name (what its Node builder uses). */
  public static final String LDK_NODE_TABLE_NAME = "ldk_node_data";

  /** The library default file name of ldk-node's SqliteStore. */
  public static final String DEFAULT_DB_FILE_NAME = "ldk_data.sqlite";

  /** The library default table name of ldk-node's SqliteStore. */
  public static final String DEFAULT_TABLE_NAME = "ldk_data";

  private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  private static final int CORRUPT = 11;
  private static final int NOTADB = 26;

  private final Path file;
  private final String table;
  private final WriterLock lock;
  private final GroupCommitter committer;
  private final ReadConnections reads;
  private final SqlKeyValueTable rows;
  private final AtomicLong nextSortOrder;

  SqliteStore(Path file, String table, WriterLock lock, Connection writer, Builder b)
      throws SQLException {
    super("SqliteStore at " + file + " (table " + table + ")", b);
    this.file = file;
    this.table = table;
    this.lock = lock;
    this.rows = new SqlKeyValueTable(table, "SqliteStore");
    this.nextSortOrder = new AtomicLong(rows.nextSortOrder(writer));
    this.reads = new ReadConnections(() -> connect(file), b.readConnections);
    this.committer = new GroupCommitter(writer, description());
  }

  /** A read-only store: no lock, no committer, read connections as {@code reader} opens them. */
  SqliteStore(Path file, String table, ReadConnections.Opener reader, Builder b) {
    super("SqliteStore at " + file + " (table " + table + ", read-only)", b);
    this.file = file;
    this.table = table;
    this.lock = null;
    this.rows = new SqlKeyValueTable(table, "SqliteStore");
    this.nextSortOrder = new AtomicLong();
    this.reads = new ReadConnections(reader, b.readConnections);
    this.committer = null;
  }

  /** Opens (creating if needed) the database file with the default table ({@code ldk_data}). */
  public static SqliteStore open(Path file) {
    return builder(file).build();
  }

  /** A builder for a store in the database {@code file}. */
  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** The table this store keeps its keys in. */
  public String table() {
    return table;
  }

  /** Transactions committed so far; with concurrent writers, fewer than the writes. */
  public long commitCount() {
    return committer == null ? 0 : committer.commits();
  }

  /** Writes, removes and batches committed so far. */
  public long committedOperations() {
    return committer == null ? 0 : committer.units();
  }

  /** The database's schema version ({@code PRAGMA user_version}); 3 for ldk-node's current one. */
  public int schemaVersion() {
    return reads.query(SqliteSchema::userVersion, this::failure, "read the schema version of");
  }

  /**
   * The ldk-node ({@value #LDK_NODE_TABLE_NAME}) and LDK ({@value #DEFAULT_TABLE_NAME}) tables in
   * an existing database file, found without changing the file (no journal or WAL file is created):
   * for choosing the table to open.
   *
   * @throws StoreException if the file cannot be read as a SQLite database
   */
  public static List<String> ldkTablesIn(Path file) {
    List<String> found = new java.util.ArrayList<>(tablesIn(file));
    found.retainAll(List.of(LDK_NODE_TABLE_NAME, DEFAULT_TABLE_NAME));
    return found;
  }

  /**
   * Every table of an existing database file (SQLite's own left out), found without changing the
   * file: to tell a node's database from anything else before using it.
   *
   * @throws StoreException if the file cannot be read as a SQLite database
   */
  public static List<String> tablesIn(Path file) {
    Path path = file.toAbsolutePath().normalize();
    try (Connection c = ReadOnlyOpening.opener(path).open()) {
      return SqliteSchema.tables(c);
    } catch (IOException | SQLException e) {
      throw new StoreException("Failed to read the tables of " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean supportsAtomicBatch() {
    return true;
  }

  @Override
  protected byte[] doRead(ScopedKey key) {
    return reads.query(c -> rows.read(c, key), this::failure, "read " + key);
  }

  @Override
  protected void doWrite(ScopedKey key, byte[] value) {
    commit("write " + key, c -> rows.upsert(c, key, value, nextSortOrder.getAndIncrement()));
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    commit("remove " + key, c -> rows.delete(c, key));
  }

  /** A PRAGMA's value on the write connection, inside a commit (for tests). */
  String writerPragma(String name) throws SQLException {
    return committer.pragma(name);
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    commit(
        "apply a batch of " + operations.size() + " operations to",
        c -> rows.apply(c, operations, nextSortOrder::getAndIncrement));
  }

  private void commit(String what, GroupCommitter.Unit unit) {
    try {
      committer.submit(unit);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  @Override
  protected List<String> doList(String primary, String secondary) {
    return reads.query(
        c -> rows.list(c, primary, secondary), this::failure, "list " + primary + "/" + secondary);
  }

  @Override
  protected Page doListPaginated(String primary, String secondary, PageToken token, int size) {
    if (token != null) {
      rows.parseToken(token); // a malformed token fails before any I/O
    }
    return reads.query(
        c -> rows.page(c, primary, secondary, token, size),
        this::failure,
        "list a page of " + primary + "/" + secondary);
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    return reads.query(rows::listAll, this::failure, "list all keys of the store");
  }

  @Override
  protected void doClose() throws IOException {
    try {
      reads.close();
      if (committer != null) {
        committer.close(); // the last connection: SQLite checkpoints the WAL into the database
      }
    } catch (SQLException e) {
      throw new IOException("closing the database: " + e.getMessage(), e);
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }

  private StoreException failure(String what, SQLException e) {
    String message = "Failed to " + what + " in " + description() + ": " + e.getMessage();
    if (isCorruption(e)) {
      return new CorruptedDataException(
          message + ". The database is damaged; restore it from a backup", e);
    }
    return new StoreException(message, e);
  }

  /** Whether SQLite said the file is damaged (here, or as the cause of a failed COMMIT). */
  static boolean isCorruption(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException s) {
        int code = s.getResultCode().code & 0xff;
        return code == CORRUPT || code == NOTADB;
      }
    }
    return false;
  }

  /** Opens a connection with lnkv's pragmas. */
  static Connection connect(Path file) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("PRAGMA synchronous = FULL");
    }
    return c;
  }

  /** Settings of a {@link SqliteStore}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    private final Path file;
    private String table = DEFAULT_TABLE_NAME;
    private int readConnections = 4;

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * The table; {@value #DEFAULT_TABLE_NAME} by default, ldk-node's Node uses {@value
     * #LDK_NODE_TABLE_NAME}.
     */
    public Builder table(String name) {
      if (name == null || !TABLE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "Invalid table name '" + name + "': use letters, digits and '_', at most 64");
      }
      this.table = name;
      return this;
    }

    /** Connections kept for reads; 4 by default. */
    public Builder readConnections(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("readConnections must be at least 1, was " + count);
      }
      this.readConnections = count;
      return this;
    }

    /**
     * Opens the store.
     *
     * @throws io.lnkv.StoreLockedException if another writer holds the database
     * @throws io.lnkv.IncompatibleStoreException if the schema is newer than this code
     * @throws CorruptedDataException if the file is not a SQLite database, or is damaged
     * @throws StoreException if the database cannot be opened
     */
    public SqliteStore build() {
      return SqliteOpening.open(file, table, isReadOnly(), this);
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
