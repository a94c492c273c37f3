package io.lnkv.postgres;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.StoreLockedException;
import io.lnkv.testkit.CrashTarget;
import io.lnkv.testkit.KVStoreConformance;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

class PostgresStoreConformanceTest extends KVStoreConformance<PostgresStore> {
  @Override
  protected PostgresStore open(Path dir) {
    return PgTestServer.builder(PgTestServer.tableFor(dir)).build();
  }

  /** The database aborts the transaction: a trigger raises an error on the key poison. */
  @Override
  protected Optional<BatchOp> operationThatFailsInBatch() {
    String table = PgTestServer.tableFor(dir);
    try (Connection c = DriverManager.getConnection(PgTestServer.url());
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE OR REPLACE FUNCTION lnkv_poison() RETURNS trigger AS $$ BEGIN"
              + " IF NEW.key = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW;"
              + " END $$ LANGUAGE plpgsql");
      s.execute(
          "CREATE TRIGGER poison BEFORE INSERT ON "
              + table
              + " FOR EACH ROW EXECUTE FUNCTION lnkv_poison()");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return Optional.of(BatchOp.write("conf_primary", "", "poison", new byte[] {1}));
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  /**
   * Opens the store for the crash harness (the killed process is the client). A killed writer
   * leaves its lease behind; the next opener waits for it to expire, as a restarted node would.
   */
  public static final class Target implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (true) {
        try {
          return PgTestServer.builder(PgTestServer.tableFor(dir))
              .leaseDuration(java.time.Duration.ofMillis(500))
              .build();
        } catch (StoreLockedException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          try {
            Thread.sleep(100);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw e;
          }
        }
      }
    }
  }
}
