package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.lnkv.ConflictException;
import io.lnkv.testkit.TestPostgres;
import io.lnkv.vss.wire.KeyValue;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The per-user usage behind quotas, on SQLite and PostgreSQL: kept equal to what the rows hold
 * through random puts, deletes and conflicts; stores and global_version rows counted; exact under
 * concurrent puts of one user; filled in for a database written before it existed.
 */
class UserUsageTest {
  @TempDir Path dir;

  private SqlVssStorage open(String kind) {
    return kind.equals("sqlite")
        ? SqlVssStorage.sqlite(dir.resolve("usage.sqlite"))
        : SqlVssStorage.postgres(TestPostgres.url());
  }

  private static KeyValue kv(String key, long version, int length) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setVersion(version)
        .setValue(ByteString.copyFrom(new byte[length]))
        .build();
  }

  private static KeyValue gv(long version) {
    return KeyValue.newBuilder().setKey(VssStorage.GLOBAL_VERSION_KEY).setVersion(version).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void usage_staysEqualToTheRows_throughRandomPutsDeletesAndConflicts(String kind)
      throws Exception {
    String user = "u-" + UUID.randomUUID();
    Random random = new Random(42);
    try (SqlVssStorage storage = open(kind)) {
      for (int op = 0; op < 400; op++) {
        String store = "s" + random.nextInt(3);
        String key = "k" + random.nextInt(6);
        try {
          switch (random.nextInt(5)) {
            case 0 ->
                storage.put(
                    user,
                    store,
                    null,
                    List.of(kv(key, -1, random.nextInt(300))),
                    List.of(),
                    KeyVersionStorage.Quota.NONE);
            case 1 ->
                storage.put(
                    user,
                    store,
                    null,
                    List.of(kv(key, random.nextInt(3), random.nextInt(300))),
                    List.of(),
                    KeyVersionStorage.Quota.NONE);
            case 2 ->
                storage.put(
                    user,
                    store,
                    null,
                    List.of(),
                    List.of(kv(key, -1, 0)),
                    KeyVersionStorage.Quota.NONE);
            case 3 -> storage.delete(user, store, kv(key, random.nextBoolean() ? -1 : 1, 0));
            default ->
                storage.put(
                    user,
                    store,
                    Long.valueOf(
                        storage.get(user, store, VssStorage.GLOBAL_VERSION_KEY).get().getVersion()),
                    List.of(kv(key, -1, random.nextInt(50))),
                    List.of(kv("k" + random.nextInt(6), -1, 0)),
                    KeyVersionStorage.Quota.NONE);
          }
        } catch (ConflictException e) {
          // nothing applied: the usage must not move either
        }
        assertThat(storage.usageOf(user))
            .as("after op %s", op)
            .containsExactly(storage.usageFromRows(user));
      }
      assertThat(storage.usageOf(user)[1]).isPositive();
    }
  }

  /**
   * Opening new store ids is not free: every store's global_version row is a key, and stores are
   * counted. Before, global_version rows were never counted, so a user could create rows without
   * limit by opening new store ids.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void storesAndGlobalVersionRows_count(String kind) {
    String user = "u-" + UUID.randomUUID();
    KeyVersionStorage.Quota threeStores = new KeyVersionStorage.Quota(1 << 20, 100, 3);
    KeyVersionStorage.Quota fourKeys = new KeyVersionStorage.Quota(1 << 20, 4, 100);
    try (SqlVssStorage storage = open(kind)) {
      for (int i = 0; i < 3; i++) {
        storage.put(user, "store" + i, 0L, List.of(), List.of(), threeStores);
      }
      assertThatThrownBy(() -> storage.put(user, "store3", 0L, List.of(), List.of(), threeStores))
          .isInstanceOf(KeyVersionStorage.QuotaExceededException.class)
          .hasMessageContaining("4 stores");
      storage.put(user, "store0", 1L, List.of(), List.of(), fourKeys); // fourth key? no: same row
      assertThatThrownBy(
              () -> storage.put(user, "store9", 0L, List.of(kv("a", 0, 1)), List.of(), fourKeys))
          .isInstanceOf(KeyVersionStorage.QuotaExceededException.class)
          .hasMessageContaining("5 keys");
      // removing is always allowed, even over the quota
      storage.delete(user, "store2", gv(1));
    }
  }

  /** Concurrent puts of one user pass the quota never, not even together. */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void concurrentPutsOfOneUser_neverPassTheQuota(String kind) throws Exception {
    String user = "u-" + UUID.randomUUID();
    KeyVersionStorage.Quota quota = new KeyVersionStorage.Quota(5_000, 1_000);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    AtomicInteger accepted = new AtomicInteger();
    try (SqlVssStorage storage = open(kind)) {
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int me = t;
        runs.add(
            threads.submit(
                () -> {
                  try {
                    storage.put(user, "s", null, List.of(kv("k" + me, 0, 1_000)), List.of(), quota);
                    accepted.incrementAndGet();
                  } catch (KeyVersionStorage.QuotaExceededException e) {
                    // over
                  }
                  return null;
                }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
      assertThat(accepted.get()).isEqualTo(5);
      assertThat(storage.usageOf(user)).containsExactly(5_000L, 5L, 1L);
    } finally {
      threads.shutdownNow();
    }
  }

  /** A database written before the usage table existed gets it filled as the server starts. */
  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void anOlderDatabase_getsItsUsageFilledIn(String kind) throws Exception {
    String user = "u-" + UUID.randomUUID();
    try (SqlVssStorage storage = open(kind)) {
      storage.put(
          user,
          "a",
          0L,
          List.of(kv("x", 0, 10), kv("y", 0, 20)),
          List.of(),
          KeyVersionStorage.Quota.NONE);
      storage.put(
          user, "b", null, List.of(kv("z", 0, 30)), List.of(), KeyVersionStorage.Quota.NONE);
    }
    String url =
        kind.equals("sqlite") ? "jdbc:sqlite:" + dir.resolve("usage.sqlite") : TestPostgres.url();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE " + UserUsage.TABLE);
    }
    try (SqlVssStorage storage = open(kind)) {
      assertThat(storage.usageOf(user)).containsExactly(60L, 4L, 2L);
    }
  }
}
