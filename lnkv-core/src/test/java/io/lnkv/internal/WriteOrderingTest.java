package io.lnkv.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class WriteOrderingTest {
  private final WriteOrdering ordering = new WriteOrdering();

  @Test
  void olderTicket_runAfterANewerOne_isSkipped() {
    WriteOrdering.Ticket older = ordering.enter("k");
    WriteOrdering.Ticket newer = ordering.enter("k");
    List<String> applied = new ArrayList<>();
    assertThat(newer.apply(WriteOrdering.OnFailure.KEEP_LAST_VERSION, () -> applied.add("new")))
        .isTrue();
    assertThat(older.apply(WriteOrdering.OnFailure.KEEP_LAST_VERSION, () -> applied.add("old")))
        .isFalse();
    assertThat(applied).containsExactly("new");
  }

  @Test
  void failure_keepsOrRecordsTheVersion_asAsked() {
    WriteOrdering.Ticket a = ordering.enter("k");
    WriteOrdering.Ticket b = ordering.enter("k");
    WriteOrdering.Ticket c = ordering.enter("k");
    assertThatThrownBy(
            () ->
                b.apply(
                    WriteOrdering.OnFailure.KEEP_LAST_VERSION,
                    () -> {
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");
    // b failed without recording, so a (older than b) may still apply.
    assertThat(a.apply(WriteOrdering.OnFailure.KEEP_LAST_VERSION, () -> {})).isTrue();
    WriteOrdering.Ticket d = ordering.enter("k");
    assertThatThrownBy(
            () ->
                d.apply(
                    WriteOrdering.OnFailure.RECORD_VERSION,
                    () -> {
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");
    // d recorded its version although it failed: c, older, is now stale.
    assertThat(c.apply(WriteOrdering.OnFailure.RECORD_VERSION, () -> {})).isFalse();
  }

  @Test
  void state_doesNotGrowWithKeysEverTouched() {
    for (int i = 0; i < 100_000; i++) {
      ordering.enter("key" + i).apply(WriteOrdering.OnFailure.KEEP_LAST_VERSION, () -> {});
    }
    WriteOrdering.Ticket abandoned = ordering.enter("never-run");
    abandoned.abandon();
    abandoned.abandon(); // twice is harmless
    assertThat(ordering.trackedKeys()).isZero();
  }

  @Test
  void outstandingTickets_keepTheirSlot_untilTheLastFinishes() {
    WriteOrdering.Ticket a = ordering.enter("k");
    WriteOrdering.Ticket b = ordering.enter("k");
    assertThat(ordering.trackedKeys()).isEqualTo(1);
    b.apply(WriteOrdering.OnFailure.KEEP_LAST_VERSION, () -> {});
    assertThat(ordering.trackedKeys()).isEqualTo(1);
    assertThat(a.apply(WriteOrdering.OnFailure.KEEP_LAST_VERSION, () -> {})).isFalse();
    assertThat(ordering.trackedKeys()).isZero();
  }

  @Test
  void concurrentTickets_onOneKey_neverOverlap_andLastCallWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      int[] inside = {0};
      long[] lastApplied = {0};
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        WriteOrdering.Ticket t = ordering.enter("k");
        futures.add(
            CompletableFuture.runAsync(
                () ->
                    t.apply(
                        WriteOrdering.OnFailure.KEEP_LAST_VERSION,
                        () -> {
                          assertThat(++inside[0]).isEqualTo(1);
                          assertThat(t.version()).isGreaterThan(lastApplied[0]);
                          lastApplied[0] = t.version();
                          inside[0]--;
                        }),
                pool));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();
      assertThat(ordering.trackedKeys()).isZero();
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void applyAll_locksEveryKey_andSkipsOnlyStaleOnes() {
    WriteOrdering.Ticket staleLater = ordering.enter("b");
    List<WriteOrdering.Ticket> batch = ordering.enterAll(List.of("c", "a", "b", "a"));
    assertThat(batch).extracting(WriteOrdering.Ticket::lockKey).containsExactly("a", "b", "c");
    ordering.enter("b").apply(WriteOrdering.OnFailure.KEEP_LAST_VERSION, () -> {}); // newer b
    List<String> ran = new ArrayList<>();
    ordering.applyAll(
        batch,
        WriteOrdering.OnFailure.KEEP_LAST_VERSION,
        current -> current.forEach(t -> ran.add(t.lockKey())));
    assertThat(ran).containsExactly("a", "c");
    staleLater.abandon();
    assertThat(ordering.trackedKeys()).isZero();
  }

  @Test
  void enterAll_concurrentBatchesOnSharedKeys_areOrderedAsWholes() throws Exception {
    // Versions taken key by key let two batches interleave (a from one, b from the other), so
    // the result of two racing batches could mix them.
    int threads = 4;
    int perThread = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<CompletableFuture<List<long[]>>> runs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      runs.add(
          CompletableFuture.supplyAsync(
              () -> {
                List<long[]> versions = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                  List<WriteOrdering.Ticket> tickets = ordering.enterAll(List.of("a", "b"));
                  versions.add(new long[] {tickets.get(0).version(), tickets.get(1).version()});
                  tickets.forEach(WriteOrdering.Ticket::abandon);
                }
                return versions;
              },
              pool));
    }
    List<long[]> all = new ArrayList<>();
    for (CompletableFuture<List<long[]>> r : runs) {
      all.addAll(r.get());
    }
    pool.shutdown();
    all.sort((x, y) -> Long.compare(x[0], y[0]));
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i)[1])
          .as("batch %d is after batch %d on a, so it must be on b too", i, i - 1)
          .isGreaterThan(all.get(i - 1)[1]);
    }
  }
}
