package io.lnkv.sqlite;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.testkit.CrashTarget;
import io.lnkv.testkit.KVStoreConformance;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

class SqliteStoreConformanceTest extends KVStoreConformance<SqliteStore> {
  @Override
  protected SqliteStore open(Path dir) {
    return SqliteStore.builder(dir.resolve(SqliteStore.LDK_NODE_DB_FILE_NAME))
        .table(SqliteStore.LDK_NODE_TABLE_NAME)
        .build();
  }

  /**
   * A write the database itself aborts mid-transaction: a trigger, installed through a second
   * connection, raises an error when the key {@code poison} is inserted.
   */
  @Override
  protected Optional<BatchOp> operationThatFailsInBatch() {
    try (Connection c = SqliteStore.connect(store.file());
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TRIGGER IF NOT EXISTS fail_on_poison BEFORE INSERT ON "
              + SqliteStore.LDK_NODE_TABLE_NAME
              + " WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return Optional.of(BatchOp.write("conf_primary", "", "poison", new byte[] {1}));
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  /** Opens the store for the crash harness. */
  public static final class Target implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return SqliteStore.open(dir.resolve("crash.sqlite"));
    }
  }
}
