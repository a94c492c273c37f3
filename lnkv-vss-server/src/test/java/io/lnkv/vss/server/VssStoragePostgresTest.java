package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.lnkv.ConflictException;
import io.lnkv.testkit.TestPostgres;
import io.lnkv.vss.wire.KeyValue;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** lnkv serve's PostgreSQL storage commits as durably as the stores do. */
class VssStoragePostgresTest {
  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(TestPostgres.url());
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  /** An acknowledged put must survive a crash of the database server, whatever its defaults. */
  @Test
  void connections_commitSynchronously_evenWhenTheDatabaseDefaultIsOff() throws Exception {
    sql(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off',"
            + " current_database()); END $$");
    try {
      SqlVssStorage storage = SqlVssStorage.postgres(TestPostgres.url());
      try {
        assertThat(storage.sessionSetting("synchronous_commit")).isEqualTo("on");
      } finally {
        storage.close();
      }
    } finally {
      sql(
          "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET synchronous_commit',"
              + " current_database()); END $$");
    }
  }

  private static KeyValue item(String key) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setVersion(-1)
        .setValue(ByteString.copyFromUtf8(key))
        .build();
  }

  private static KeyValue delete(String key) {
    return KeyValue.newBuilder().setKey(key).setVersion(-1).build();
  }

  /**
   * Puts that write some keys and delete others, overlapping in opposite roles, on many threads:
   * rows must be locked in one order across items, global_version and deletes, or two of them wait
   * for each other and PostgreSQL aborts one (40P01, a 500 to the client). Before the fix the items
   * were locked in key order, then global_version, then the deletes: A writing a and deleting b
   * against B writing b and deleting a deadlocked within a few hundred puts.
   */
  @Test
  void concurrentPutsMixingWritesAndDeletes_neverDeadlock() throws Exception {
    SqlVssStorage storage = SqlVssStorage.postgres(TestPostgres.url());
    String store = "deadlock-" + System.nanoTime();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> runs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int me = t;
        runs.add(
            threads.submit(
                () -> {
                  int conflicts = 0;
                  for (int i = 0; i < 150; i++) {
                    // even threads write k0 and delete k1, odd ones the other way round
                    String mine = me % 2 == 0 ? "k0" : "k1";
                    String theirs = me % 2 == 0 ? "k1" : "k0";
                    List<KeyValue> puts = List.of(item(mine));
                    List<KeyValue> deletes = i % 2 == 0 ? List.of(delete(theirs)) : List.of();
                    try {
                      storage.put("user", store, null, puts, deletes, KeyVersionStorage.Quota.NONE);
                    } catch (ConflictException e) {
                      conflicts++; // an unconditional delete of an absent key: fine
                    }
                  }
                  return conflicts;
                }));
      }
      for (Future<Integer> run : runs) {
        run.get(); // a deadlock surfaces here as the storage's failure
      }
    } finally {
      threads.shutdownNow();
      storage.close();
    }
  }
}
