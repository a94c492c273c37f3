package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.BatchOp;
import io.lnkv.InvalidKeyException;
import io.lnkv.KVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Part of the conformance suite: atomic batches and the per-key order of asynchronous calls. Extend
 * {@link KVStoreConformance}, which runs every part.
 *
 * @param <S> the store type
 */
public abstract class BatchConformance<S extends KVStore> extends PagingConformance<S> {
  /** For a subclass that supplies the store under test. */
  protected BatchConformance() {}

  // ---- atomic batches -----------------------------------------------------------------------

  @Test
  void writeBatch_withoutSupport_isRefusedClearly() {
    assumeTrue(!store.supportsAtomicBatch(), "the store supports atomic batches");
    assertThatThrownBy(() -> store.writeBatch(List.of(BatchOp.write(P, "", "k", bytes("v")))))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("atomic batches");
    assertThat(readOrNull(P, "", "k")).isNull();
  }

  @Test
  void writeBatch_appliesWritesAndRemoves_lastOperationPerKeyWins() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    store.write(P, "", "to_remove", bytes("x"));
    store.write(P, "", "to_replace", bytes("old"));
    store.writeBatch(
        List.of(
            BatchOp.write(P, "", "new", bytes("n")),
            BatchOp.remove(P, "", "to_remove"),
            BatchOp.write(P, "", "to_replace", bytes("first")),
            BatchOp.write(P, S2, "deep", bytes("d")),
            BatchOp.write(P, "", "to_replace", bytes("last"))));
    assertThat(store.read(P, "", "new")).isEqualTo(bytes("n"));
    assertThat(readOrNull(P, "", "to_remove")).isNull();
    assertThat(store.read(P, "", "to_replace")).isEqualTo(bytes("last"));
    assertThat(store.read(P, S2, "deep")).isEqualTo(bytes("d"));
    store.writeBatchAsync(List.of(BatchOp.remove(P, "", "new"))).join();
    assertThat(readOrNull(P, "", "new")).isNull();
  }

  @Test
  void writeBatch_removeThenWriteOfAKey_makesItTheNewest() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    assumeTrue(batchesRecreateRemovedKeys(), "the store's batches write such a key in place");
    PaginatedKVStore ps = paginated();
    for (String k : List.of("a", "b", "c")) {
      ps.write(P, "", k, bytes(k));
    }
    ps.writeBatch(
        List.of(
            BatchOp.remove(P, "", "a"),
            BatchOp.write(P, "", "a", bytes("new a")),
            BatchOp.write(P, "", "b", bytes("b2")),
            BatchOp.write(P, "", "d", bytes("d"))));
    assertThat(allPages(ps, P, "")).containsExactly("d", "a", "c", "b");
    assertThat(ps.read(P, "", "a")).isEqualTo(bytes("new a"));
  }

  @Test
  void writeBatch_newKeyWrittenTwice_keepsItsFirstPosition() {
    // Found by the power-cut harness: the filesystem stores gave such a key the creation time of
    // its last write, so it listed as newer than keys the batch created after it.
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    PaginatedKVStore ps = paginated();
    ps.write(P, "", "old", bytes("o"));
    ps.writeBatch(
        List.of(
            BatchOp.write(P, "", "x", bytes("x1")),
            BatchOp.write(P, "", "y", bytes("y")),
            BatchOp.write(P, "", "x", bytes("x2"))));
    assertThat(allPages(ps, P, "")).containsExactly("y", "x", "old");
    assertThat(ps.read(P, "", "x")).isEqualTo(bytes("x2"));
  }

  @Test
  void writeBatch_withAnInvalidKey_appliesNothing() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    store.write(P, "", "a", bytes("before"));
    assertThatThrownBy(
            () ->
                store.writeBatch(
                    List.of(
                        BatchOp.write(P, "", "a", bytes("after")),
                        BatchOp.write(P, "", "bad key", bytes("x")),
                        BatchOp.write(P, "", "c", bytes("c")))))
        .isInstanceOf(InvalidKeyException.class);
    assertThat(store.read(P, "", "a")).isEqualTo(bytes("before"));
    assertThat(readOrNull(P, "", "c")).isNull();
  }

  @Test
  void writeBatch_failingMidway_appliesNothing() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    Optional<BatchOp> failing = operationThatFailsInBatch();
    assumeTrue(failing.isPresent(), "no operationThatFailsInBatch() for this store");
    store.write(P, "", "a", bytes("before"));
    store.write(P, "", "gone", bytes("stays"));
    List<BatchOp> ops = new ArrayList<>();
    ops.add(BatchOp.write(P, "", "a", bytes("after")));
    ops.add(BatchOp.remove(P, "", "gone"));
    for (int i = 0; i < 20; i++) {
      ops.add(BatchOp.write(P, S2, "n" + i, bytes("n")));
    }
    ops.add(failing.get());
    ops.add(BatchOp.write(P, "", "z", bytes("z")));
    assertThatThrownBy(() -> store.writeBatch(ops)).isInstanceOf(StoreException.class);
    afterFailingBatch();
    assertThat(store.read(P, "", "a")).isEqualTo(bytes("before"));
    assertThat(store.read(P, "", "gone")).isEqualTo(bytes("stays"));
    assertThat(store.list(P, S2)).isEmpty();
    assertThat(readOrNull(P, "", "z")).isNull();
  }

  // ---- asynchronous ordering ----------------------------------------------------------------

  @Test
  void asyncCalls_onOneKey_takeEffectInCallOrder() {
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(store.writeAsync(P, "", "k", bytes("v" + i)));
      if (i % 10 == 5) {
        futures.add(store.removeAsync(P, "", "k", i % 20 == 5));
      }
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
    assertThat(store.read(P, "", "k")).isEqualTo(bytes("v199"));
  }

  @Test
  void asyncCalls_fromManyThreads_leaveWhatTheLastCallAskedFor() throws Exception {
    int threads = 8;
    int callsPerThread = 300;
    int keys = 6;
    Object callOrder = new Object();
    Map<String, String> lastCall = new HashMap<>(); // guarded by callOrder; "" = removed
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    long[] sequence = {0};
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<Void>> callers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        callers.add(
            CompletableFuture.runAsync(
                () -> {
                  Random random = new Random(seed);
                  for (int i = 0; i < callsPerThread; i++) {
                    String key = "k" + random.nextInt(keys);
                    boolean remove = random.nextInt(5) == 0;
                    // The call and the record of it happen under one lock, so the record's order
                    // is the call order.
                    synchronized (callOrder) {
                      String value = "v" + (++sequence[0]);
                      futures.add(
                          remove
                              ? store.removeAsync(P, "", key, random.nextBoolean())
                              : store.writeAsync(P, "", key, bytes(value)));
                      lastCall.put(key, remove ? "" : value);
                    }
                  }
                },
                pool));
      }
      CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    } finally {
      pool.shutdown();
    }
    List<CompletableFuture<Void>> all;
    synchronized (callOrder) {
      all = new ArrayList<>(futures);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    for (Map.Entry<String, String> e : lastCall.entrySet()) {
      byte[] actual = readOrNull(P, "", e.getKey());
      if (e.getValue().isEmpty()) {
        assertThat(actual).as("%s removed by the last call", e.getKey()).isNull();
      } else {
        assertThat(actual).as("%s", e.getKey()).isEqualTo(bytes(e.getValue()));
      }
    }
  }
}
