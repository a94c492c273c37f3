package io.lnkv.vss.server;

import com.google.protobuf.ByteString;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lnkv.ConflictException;
import io.lnkv.StoreException;
import io.lnkv.internal.GroupCommitter;
import io.lnkv.internal.WriterLock;
import io.lnkv.postgres.internal.PostgresPools;
import io.lnkv.sqlite.SqliteStore;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

// Why this file is long (~530 lines): vss-server's storage semantics in SQL for two databases
// (versions, global_version, all-or-nothing puts, quotas, newest-first pages with tokens) and the
// opening checks of each; the pool is PostgresPools, SQLite's group commit GroupCommitter, the
// SQLite table check SqliteStore's.
/**
 * {@link VssStorage} in one SQL table, {@code vss_db}, as vss-server's: primary key (user_token,
 * store_id, key), a version per key, and a {@code sort_order} taken at insert (kept by updates)
 * that orders pages newest first and is the page token. SQLite (WAL, synchronous=FULL) or
 * PostgreSQL. Each put is one transaction whose statements' row counts decide it: on PostgreSQL a
 * pooled connection's; on SQLite, a unit of a {@link GroupCommitter}, so that the puts of every
 * client waiting share one transaction and one fsync (each rolled back alone to its savepoint when
 * it conflicts), instead of queueing for SQLite's write lock in its busy handler's sleeps. Reads
 * use a HikariCP pool on both.
 */
final class SqlVssStorage implements KeyVersionStorage {
  private static final java.util.regex.Pattern ISSUED_TOKEN =
      java.util.regex.Pattern.compile("0|[1-9][0-9]{0,18}");

  private enum Dialect {
    // SQLite serializes writers, so MAX + 1 (read from its own index) cannot be taken twice
    SQLITE(
        "BLOB",
        "INTEGER NOT NULL",
        "(SELECT COALESCE(MAX(sort_order), 0) + 1 FROM vss_db)",
        "CREATE INDEX IF NOT EXISTS vss_db_next_sort_order ON vss_db (sort_order)"),
    POSTGRES("BYTEA", "BIGSERIAL", null, null);

    final String blob;
    final String sortOrderColumn;

    /** The value of a new row's sort_order, or null where the column's default provides it. */
    final String nextSortOrder;

    /** An index the dialect needs besides the listing one, or null. */
    final String extraIndex;

    Dialect(String blob, String sortOrderColumn, String nextSortOrder, String extraIndex) {
      this.blob = blob;
      this.sortOrderColumn = sortOrderColumn;
      this.nextSortOrder = nextSortOrder;
      this.extraIndex = extraIndex;
    }
  }

  private final HikariDataSource pool;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Dialect dialect;
  private final String description;
  private final String insert;
  private final WriterLock lock; // a SQLite file's single server; null for PostgreSQL
  private final GroupCommitter committer; // SQLite's one writer; null for PostgreSQL
  private final UserUsage usage;

  /** With {@code writer}, SQLite's write connection (null for PostgreSQL), owned from now on. */
  private SqlVssStorage(
      HikariDataSource pool,
      Dialect dialect,
      String description,
      WriterLock lock,
      Connection writer) {
    this.pool = pool;
    this.lock = lock;
    this.dialect = dialect;
    this.description = description;
    this.usage = new UserUsage(dialect == Dialect.POSTGRES);
    this.insert =
        "INSERT INTO vss_db (user_token, store_id, key, value, version"
            + (dialect.nextSortOrder == null
                ? ") VALUES (?, ?, ?, ?, 1)"
                : ", sort_order) VALUES (?, ?, ?, ?, 1, " + dialect.nextSortOrder + ")");
    createSchema();
    this.committer = writer == null ? null : new GroupCommitter(writer, description);
  }

  static SqlVssStorage sqlite(Path file) {
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
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    config.setPoolName("lnkv-vss-sqlite");
    String description = "SQLite " + file.toAbsolutePath();
    Connection writer = null;
    try {
      // IMMEDIATE: a put reads (usage, versions) before it writes; a deferred transaction would
      // take its snapshot first and then fail to upgrade, rather than wait, if another connection
      // wrote meanwhile
      writer = DriverManager.getConnection(url + "&transaction_mode=IMMEDIATE");
      return new SqlVssStorage(
          new HikariDataSource(config), Dialect.SQLITE, description, lock, writer);
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

  static SqlVssStorage postgres(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "Invalid PostgreSQL JDBC URL: expected jdbc:postgresql://host[:port]/db");
    }
    int query = jdbcUrl.indexOf('?');
    String description =
        "PostgreSQL "
            + io.lnkv.internal.Secrets.mask(query < 0 ? jdbcUrl : jdbcUrl.substring(0, query));
    // the stores' pool: synchronous commits whatever the server's defaults, fsync=off warned about
    return new SqlVssStorage(
        PostgresPools.open(jdbcUrl, null, null, 16, "lnkv-vss-pg", false, description),
        Dialect.POSTGRES,
        description,
        null,
        null);
  }

  /** What {@code user} holds by the usage table: bytes, keys, stores (for tests). */
  long[] usageOf(String user) throws SQLException {
    try (Connection c = pool.getConnection()) {
      return UserUsage.of(c, user);
    }
  }

  /** What {@code user} holds, counted from the rows themselves: bytes, keys, stores (for tests). */
  long[] usageFromRows(String user) throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT COALESCE(SUM(LENGTH(value)), 0), COUNT(*), COUNT(DISTINCT store_id)"
                    + " FROM vss_db WHERE user_token = ?")) {
      ps.setString(1, user);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
      }
    }
  }

  /** A setting as this storage's connections see it (for tests). */
  String sessionSetting(String name) throws SQLException {
    try (Connection c = pool.getConnection()) {
      return PostgresPools.setting(c, name);
    }
  }

  private void createSchema() {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS vss_db ("
              + "user_token VARCHAR(120) NOT NULL CHECK (user_token <> ''), "
              + "store_id VARCHAR(120) NOT NULL, "
              + "key VARCHAR(600) NOT NULL, "
              + "value "
              + dialect.blob
              + ", "
              + "version BIGINT NOT NULL, "
              + "sort_order "
              + dialect.sortOrderColumn
              + ", "
              + "PRIMARY KEY (user_token, store_id, key))");
      s.execute(
          "CREATE INDEX IF NOT EXISTS vss_db_sort_order ON vss_db (user_token, store_id, sort_order DESC)");
      if (dialect.extraIndex != null) {
        s.execute(dialect.extraIndex);
      }
      UserUsage.create(c);
    } catch (SQLException e) {
      pool.close();
      throw new StoreException(
          "Cannot create the VSS table in " + description + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<KeyValue> get(String user, String storeId, String key) {
    try (Connection c = pool.getConnection()) {
      Optional<KeyValue> kv = select(c, user, storeId, key);
      if (kv.isEmpty() && key.equals(GLOBAL_VERSION_KEY)) {
        return Optional.of(KeyValue.newBuilder().setKey(key).setVersion(0).build());
      }
      return kv;
    } catch (SQLException e) {
      throw failure("read", e);
    }
  }

  private static Optional<KeyValue> select(Connection c, String user, String storeId, String key)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT value, version FROM vss_db WHERE user_token = ? AND store_id = ? AND key = ?")) {
      bind(ps, user, storeId, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        byte[] value = rs.getBytes(1);
        return Optional.of(
            KeyValue.newBuilder()
                .setKey(key)
                .setVersion(rs.getLong(2))
                .setValue(value == null ? ByteString.EMPTY : ByteString.copyFrom(value))
                .build());
      }
    }
  }

  @Override
  public void put(
      String user,
      String storeId,
      Long globalVersion,
      List<KeyValue> puts,
      List<KeyValue> deletes,
      Quota quota) {
    // Every row this put locks (its items, global_version, its deletes) in one order, by key, so
    // that two puts over the same keys (from any number of server instances) take their row locks
    // in the same order and cannot deadlock: items first and deletes after would let a put writing
    // a and deleting b wait for one writing b and deleting a, and the other way round. A key both
    // written and deleted keeps vss-server's order, the write first (a stable sort).
    List<RowChange> changes = new java.util.ArrayList<>(puts.size() + deletes.size() + 1);
    puts.forEach(kv -> changes.add(new RowChange(kv, false)));
    if (globalVersion != null) {
      changes.add(
          new RowChange(
              KeyValue.newBuilder().setKey(GLOBAL_VERSION_KEY).setVersion(globalVersion).build(),
              false));
    }
    deletes.forEach(kv -> changes.add(new RowChange(kv, true)));
    changes.sort(java.util.Comparator.comparing(change -> change.item().getKey()));
    try {
      inTransaction(
          c -> {
            UserUsage.Delta delta = new UserUsage.Delta();
            boolean storeExisted = UserUsage.storeExists(c, user, storeId);
            boolean ok = true;
            for (RowChange change : changes) {
              KeyValue kv = change.item();
              long old = usage.lengthOf(c, user, storeId, kv.getKey());
              if (change.delete()) {
                boolean deleted = deleteRow(c, user, storeId, kv.getKey(), kv.getVersion()) > 0;
                ok &= deleted;
                if (deleted) {
                  delta.removed(old);
                }
              } else {
                byte[] value = kv.getValue().toByteArray();
                boolean written = upsert(c, user, storeId, kv.getKey(), kv.getVersion(), value);
                ok &= written;
                if (written) {
                  delta.written(old, value.length);
                }
              }
            }
            if (!ok) {
              throw new ConflictException("a key's version did not match; nothing was applied");
            }
            boolean storeExists =
                deletes.isEmpty()
                    ? storeExisted || !changes.isEmpty()
                    : UserUsage.storeExists(c, user, storeId);
            delta.stores = (storeExists ? 1 : 0) - (storeExisted ? 1 : 0);
            // a put that only removes is always allowed; one that adds anything is checked
            boolean adds = delta.bytes > 0 || delta.keys > 0 || delta.stores > 0;
            UserUsage.add(c, user, delta, quota, adds && !quota.isNone());
          });
    } catch (SQLException e) {
      throw failure("write", e);
    }
  }

  /** One row a put changes: an item (global_version's too) to upsert, or a key to delete. */
  private record RowChange(KeyValue item, boolean delete) {}

  /**
   * Runs {@code work} in a transaction that commits when it returns and rolls back when it throws:
   * SQLite's through the group committer, PostgreSQL's on a pooled connection.
   */
  private void inTransaction(GroupCommitter.Unit work) throws SQLException {
    if (committer != null) {
      committer.submit(work);
      return;
    }
    try (Connection c = pool.getConnection()) {
      io.lnkv.internal.Transactions.run(
          c,
          tx -> {
            work.apply(tx);
            return null;
          });
    }
  }

  /** One item of a put, by vss-server's rules; false when it conflicts. */
  private boolean upsert(
      Connection c, String user, String storeId, String key, long version, byte[] value)
      throws SQLException {
    if (version == -1) {
      // unconditional: the stored version becomes 1; an existing row keeps its sort_order
      try (PreparedStatement ps =
          c.prepareStatement(
              insert
                  + " ON CONFLICT (user_token, store_id, key) DO UPDATE SET value = excluded.value, version = 1")) {
        bind(ps, user, storeId, key);
        ps.setBytes(4, value);
        return ps.executeUpdate() > 0;
      }
    }
    if (version == 0) {
      try (PreparedStatement ps =
          c.prepareStatement(insert + " ON CONFLICT (user_token, store_id, key) DO NOTHING")) {
        bind(ps, user, storeId, key);
        ps.setBytes(4, value);
        return ps.executeUpdate() > 0;
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE vss_db SET value = ?, version = version + 1 WHERE user_token = ? AND store_id = ? AND key = ? AND version = ?")) {
      ps.setBytes(1, value);
      ps.setString(2, user);
      ps.setString(3, storeId);
      ps.setString(4, key);
      ps.setLong(5, version);
      return ps.executeUpdate() > 0;
    }
  }

  private static int deleteRow(Connection c, String user, String storeId, String key, long version)
      throws SQLException {
    String sql =
        "DELETE FROM vss_db WHERE user_token = ? AND store_id = ? AND key = ?"
            + (version == -1 ? "" : " AND version = ?");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, user, storeId, key);
      if (version != -1) {
        ps.setLong(4, version);
      }
      return ps.executeUpdate();
    }
  }

  @Override
  public void delete(String user, String storeId, KeyValue keyVersion) {
    if (keyVersion.getVersion() == 0) {
      return; // matches no stored row (versions start at 1)
    }
    try {
      inTransaction(
          c -> {
            long old = usage.lengthOf(c, user, storeId, keyVersion.getKey());
            if (deleteRow(c, user, storeId, keyVersion.getKey(), keyVersion.getVersion()) > 0) {
              UserUsage.Delta delta = new UserUsage.Delta();
              delta.removed(old);
              delta.stores = UserUsage.storeExists(c, user, storeId) ? 0 : -1;
              UserUsage.add(c, user, delta, Quota.NONE, false);
            }
          });
    } catch (SQLException e) {
      throw failure("delete", e);
    }
  }

  @Override
  public ListKeyVersionsResponse list(
      String user, String storeId, String prefix, int pageSize, String token) {
    Long after = null;
    if (token != null) {
      // Only what this server issues: the decimal sort_order of a page's last key. A sign, a
      // leading zero or a number past a long is a token from elsewhere; answering it with an
      // empty last page would cut the client's listing short without an error.
      if (!ISSUED_TOKEN.matcher(token).matches()) {
        throw new IllegalArgumentException("not a page token this server issued");
      }
      try {
        after = Long.parseLong(token);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a page token this server issued");
      }
    }
    ListKeyVersionsResponse.Builder page = ListKeyVersionsResponse.newBuilder();
    try (Connection c = pool.getConnection()) {
      if (token == null) {
        page.setGlobalVersion(
            select(c, user, storeId, GLOBAL_VERSION_KEY).map(KeyValue::getVersion).orElse(0L));
      }
      if (pageSize == 0) {
        return page.setNextPageToken("").build();
      }
      String sql =
          "SELECT key, version, sort_order FROM vss_db WHERE user_token = ? AND store_id = ? AND key <> ?"
              + (prefix == null || prefix.isEmpty() ? "" : " AND substr(key, 1, length(?)) = ?")
              + (after == null ? "" : " AND sort_order < ?")
              + " ORDER BY sort_order DESC LIMIT ?";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        ps.setString(i++, user);
        ps.setString(i++, storeId);
        ps.setString(i++, GLOBAL_VERSION_KEY);
        if (prefix != null && !prefix.isEmpty()) {
          // a literal prefix: LIKE would treat '_' and '%' as wildcards (and in SQLite ignore case)
          ps.setString(i++, prefix);
          ps.setString(i++, prefix);
        }
        if (after != null) {
          ps.setLong(i++, after);
        }
        ps.setInt(i, pageSize + 1); // one more than asked says whether another page follows
        try (ResultSet rs = ps.executeQuery()) {
          long lastSortOrder = 0;
          int n = 0;
          boolean more = false;
          while (rs.next()) {
            if (n == pageSize) {
              more = true;
              break;
            }
            page.addKeyVersions(
                KeyValue.newBuilder().setKey(rs.getString(1)).setVersion(rs.getLong(2)));
            lastSortOrder = rs.getLong(3);
            n++;
          }
          page.setNextPageToken(more ? Long.toString(lastSortOrder) : "");
        }
      }
      return page.build();
    } catch (SQLException e) {
      throw failure("list", e);
    }
  }

  private static void bind(PreparedStatement ps, String user, String storeId, String key)
      throws SQLException {
    ps.setString(1, user);
    ps.setString(2, storeId);
    ps.setString(3, key);
  }

  private StoreException failure(String what, SQLException e) {
    return new StoreException(
        "VSS storage (" + description + ") failed to " + what + ": " + e.getMessage(), e);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return; // idempotent: the server closes it too
    }
    try {
      if (committer != null) {
        committer.close(); // commits what is queued first
      }
    } catch (SQLException e) {
      throw failure("close", e);
    } finally {
      try {
        pool.close();
      } finally {
        if (lock != null) {
          lock.close();
        }
      }
    }
  }
}
