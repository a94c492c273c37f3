package io.lnkv.vss.server;

import com.zaxxer.hikari.HikariDataSource;
import io.lnkv.ConflictException;
import io.lnkv.StoreException;
import io.lnkv.internal.GroupCommitter;
import io.lnkv.postgres.internal.PostgresPools;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link VssStorage} in SQL: vss-server's operations over {@link VssTable}, with each user's usage
 * kept by {@link UserUsage}, for its two twins, {@link SqliteVssStorage} and {@link
 * PostgresVssStorage}, which open the database and say how a put's transaction runs. Reads use a
 * HikariCP pool on both.
 */
abstract sealed class SqlVssStorage implements KeyVersionStorage
    permits SqliteVssStorage, PostgresVssStorage {
  private final HikariDataSource pool;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String description;
  private final VssTable table;
  private final UserUsage usage;

  /** Takes {@code pool} over; creates the tables where absent (closing the pool if that fails). */
  SqlVssStorage(HikariDataSource pool, VssTable.Dialect dialect, String description) {
    this.pool = pool;
    this.description = description;
    this.table = new VssTable(dialect);
    this.usage = new UserUsage(dialect == VssTable.Dialect.POSTGRES);
    try (Connection c = pool.getConnection()) {
      table.create(c);
    } catch (SQLException e) {
      pool.close();
      throw new StoreException(
          "Cannot create the VSS table in " + description + ": " + e.getMessage(), e);
    }
  }

  /** Storage in a SQLite file; see {@link VssStorage#sqlite}. */
  static SqlVssStorage sqlite(Path file) {
    return SqliteVssStorage.open(file);
  }

  /** Storage in PostgreSQL; see {@link VssStorage#postgres}. */
  static SqlVssStorage postgres(String jdbcUrl) {
    return PostgresVssStorage.open(jdbcUrl);
  }

  /**
   * Runs {@code work} in a transaction that commits when it returns and rolls back when it throws.
   */
  abstract void inTransaction(GroupCommitter.Unit work) throws SQLException;

  /** Closes what the twin owns besides the pool (its writer, its lock); called once. */
  abstract void closeWriter() throws SQLException;

  /** A setting as this storage's connections see it (for tests). */
  String sessionSetting(String name) throws SQLException {
    try (Connection c = pool.getConnection()) {
      return PostgresPools.setting(c, name);
    }
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

  @Override
  public Optional<KeyValue> get(String user, String storeId, String key) {
    try (Connection c = pool.getConnection()) {
      Optional<KeyValue> kv = VssTable.select(c, user, storeId, key);
      if (kv.isEmpty() && key.equals(GLOBAL_VERSION_KEY)) {
        return Optional.of(KeyValue.newBuilder().setKey(key).setVersion(0).build());
      }
      return kv;
    } catch (SQLException e) {
      throw failure("read", e);
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
                boolean deleted =
                    VssTable.deleteRow(c, user, storeId, kv.getKey(), kv.getVersion()) > 0;
                ok &= deleted;
                if (deleted) {
                  delta.removed(old);
                }
              } else {
                byte[] value = kv.getValue().toByteArray();
                boolean written =
                    table.upsert(c, user, storeId, kv.getKey(), kv.getVersion(), value);
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

  @Override
  public void delete(String user, String storeId, KeyValue keyVersion) {
    if (keyVersion.getVersion() == 0) {
      return; // matches no stored row (versions start at 1)
    }
    try {
      inTransaction(
          c -> {
            long old = usage.lengthOf(c, user, storeId, keyVersion.getKey());
            if (VssTable.deleteRow(c, user, storeId, keyVersion.getKey(), keyVersion.getVersion())
                > 0) {
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
    try (Connection c = pool.getConnection()) {
      return table.list(c, user, storeId, prefix, pageSize, token);
    } catch (SQLException e) {
      throw failure("list", e);
    }
  }

  /** A connection of the read pool, for a twin's transactions. */
  Connection pooledConnection() throws SQLException {
    return pool.getConnection();
  }

  StoreException failure(String what, SQLException e) {
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
      closeWriter(); // commits what is queued first
    } catch (SQLException e) {
      throw failure("close", e);
    } finally {
      pool.close();
    }
  }
}
