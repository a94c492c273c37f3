package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.KeyNotFoundException;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.queue.CommitFailedException;
import io.lnkv.queue.CommitResult;
import io.lnkv.queue.QueuedStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What QueuedStore adds beyond the contract: commits, their failures, automatic commits. */
class QueuedStoreTest {
  private final InMemoryStore inner = InMemoryStore.create();

  private static byte[] b(int i) {
    return new byte[] {(byte) i};
  }

  @Test
  void writes_areNotInTheWrappedStore_untilCommit() {
    try (QueuedStore q = QueuedStore.builder(inner).build()) {
      q.write("p", "", "a", b(1));
      q.write("p", "", "a", b(2));
      q.remove("p", "", "b", false);
      assertThat(q.pendingCount()).isEqualTo(2);
      assertThat(q.read("p", "", "a")).containsExactly(2);
      assertThatThrownBy(() -> inner.read("p", "", "a")).isInstanceOf(KeyNotFoundException.class);
      CommitResult r = q.commit();
      assertThat(r).isEqualTo(new CommitResult(2, 0, true));
      assertThat(inner.read("p", "", "a")).containsExactly(2);
      assertThat(q.commit()).isEqualTo(new CommitResult(0, 0, true));
    }
  }

  @Test
  void pages_showQueuedKeysOnce_newOnesFirst() {
    try (QueuedStore q = QueuedStore.builder(inner).build()) {
      for (int i = 0; i < 120; i++) {
        inner.write("p", "", String.format("k%03d", i), b(i));
      }
      q.remove("p", "", "k050", false);
      q.write("p", "", "k050", b(1)); // re-created: the newest now
      q.write("p", "", "k010", b(2)); // rewritten: keeps its place
      q.remove("p", "", "k100", false);
      q.write("p", "", "fresh", b(3));
      List<String> all = new ArrayList<>();
      PageToken token = null;
      do {
        Page page = q.listPaginated("p", "", token);
        all.addAll(page.keys());
        token = page.nextPageToken().orElse(null);
      } while (token != null);
      List<String> expected = new ArrayList<>(List.of("fresh", "k050"));
      for (int i = 119; i >= 0; i--) {
        if (i != 50 && i != 100) {
          expected.add(String.format("k%03d", i));
        }
      }
      assertThat(all).isEqualTo(expected);
      q.commit();
      List<String> committed = new ArrayList<>();
      token = null;
      do {
        Page page = inner.listPaginated("p", "", token);
        committed.addAll(page.keys());
        token = page.nextPageToken().orElse(null);
      } while (token != null);
      assertThat(committed).isEqualTo(expected);
    }
  }

  @Test
  void atomicCommit_thatFails_appliesNothing_andKeepsEverythingQueued() {
    FaultInjectingStore faulty = FaultInjectingStore.wrap(inner);
    try (QueuedStore q = QueuedStore.builder(faulty).build()) {
      q.write("p", "", "a", b(1));
      q.write("p", "", "b", b(2));
      faulty.failAll();
      assertThatThrownBy(q::commit)
          .isInstanceOf(CommitFailedException.class)
          .hasMessageContaining("Nothing was applied")
          .satisfies(
              e -> {
                assertThat(((CommitFailedException) e).result())
                    .isEqualTo(new CommitResult(0, 2, true));
                assertThat(((CommitFailedException) e).inDoubt()).isFalse();
              });
      assertThat(inner.listAllKeys()).isEmpty();
      assertThat(q.pendingCount()).isEqualTo(2);
      faulty.heal();
      assertThat(q.commit().applied()).isEqualTo(2);
      assertThat(inner.listAllKeys()).hasSize(2);
    }
  }

  /**
   * A store that cannot tell whether the batch landed (a connection lost during the commit, a VSS
   * answer that never came): the queue must not say "nothing was applied". Before, every failure
   * but two exception types was reported that way.
   */
  @Test
  void atomicCommit_whoseOutcomeIsUnknown_isInDoubt_neverNothingApplied() {
    FaultInjectingStore faulty = FaultInjectingStore.wrap(inner).failAfterApplying(true);
    try (QueuedStore q = QueuedStore.builder(faulty).build()) {
      q.write("p", "", "a", b(1));
      q.write("p", "", "b", b(2));
      faulty.failAll();
      assertThatThrownBy(q::commit)
          .isInstanceOf(CommitFailedException.class)
          .hasMessageContaining("may or may not have taken effect")
          .hasMessageNotContaining("Nothing was applied")
          .satisfies(e -> assertThat(((CommitFailedException) e).inDoubt()).isTrue());
      assertThat(inner.listAllKeys()).hasSize(2); // it had, this time
      assertThat(q.pendingCount()).isEqualTo(2); // still queued: committing again settles it
      faulty.heal();
      assertThat(q.commit().applied()).isEqualTo(2);
    }
  }

  @Test
  void commitWithoutAtomicBatches_stopsAtTheFirstFailure_andSaysSo() {
    FaultInjectingStore faulty = FaultInjectingStore.wrap(inner).withoutAtomicBatches();
    try (QueuedStore q = QueuedStore.builder(faulty).build()) {
      for (int i = 0; i < 5; i++) {
        q.write("p", "", "k" + i, b(i));
      }
      faulty.failWhen(op -> op.key() != null && op.key().key().equals("k2"));
      assertThatThrownBy(q::commit)
          .isInstanceOf(CommitFailedException.class)
          .hasMessageContaining("was not atomic")
          .hasMessageContaining("after applying 2 of 5")
          .satisfies(
              e -> {
                CommitFailedException c = (CommitFailedException) e;
                assertThat(c.result()).isEqualTo(new CommitResult(2, 3, false));
                assertThat(c.failedKey()).isEqualTo(ScopedKey.of("p", "", "k2"));
              });
      assertThat(inner.list("p", "")).containsExactlyInAnyOrder("k0", "k1");
      faulty.heal();
      assertThat(q.commit()).isEqualTo(new CommitResult(3, 0, false));
      assertThat(inner.list("p", "")).hasSize(5);
    }
  }

  @Test
  void operationsArrivingDuringACommit_areNeitherLostNorHalfCommitted() throws Exception {
    FaultInjectingStore slow = FaultInjectingStore.wrap(inner).latency(Duration.ofMillis(300));
    try (QueuedStore q = QueuedStore.builder(slow).build()) {
      q.write("p", "", "a", b(1));
      q.write("p", "", "b", b(1));
      CompletableFuture<CommitResult> commit = CompletableFuture.supplyAsync(q::commit);
      Thread.sleep(100); // the commit is inside the slow batch now
      q.write("p", "", "a", b(2)); // rewrite of a key being committed
      q.write("p", "", "c", b(3)); // a new key
      CommitResult first = commit.get(10, TimeUnit.SECONDS);
      assertThat(first.applied()).isEqualTo(2);
      assertThat(first.stillQueued()).isEqualTo(2);
      assertThat(inner.read("p", "", "a")).containsExactly(1);
      assertThat(q.read("p", "", "a")).containsExactly(2);
      q.commit();
      assertThat(inner.read("p", "", "a")).containsExactly(2);
      assertThat(inner.read("p", "", "c")).containsExactly(3);
      assertThat(q.pendingCount()).isZero();
    }
  }

  @Test
  void automaticCommits_byCount_bytes_andAge() throws Exception {
    try (QueuedStore q = QueuedStore.builder(inner).autoCommitOps(3).build()) {
      q.write("n", "", "a", b(1));
      q.write("n", "", "b", b(1));
      assertThat(q.pendingCount()).isEqualTo(2);
      q.write("n", "", "c", b(1));
      assertThat(q.pendingCount()).isZero();
      assertThat(inner.list("n", "")).hasSize(3);
    }
    InMemoryStore second = InMemoryStore.create();
    try (QueuedStore q = QueuedStore.builder(second).autoCommitBytes(1000).build()) {
      q.write("s", "", "a", new byte[600]);
      assertThat(q.pendingCount()).isEqualTo(1);
      q.write("s", "", "b", new byte[600]);
      assertThat(q.pendingCount()).isZero();
    }
    InMemoryStore third = InMemoryStore.create();
    try (QueuedStore q = QueuedStore.builder(third).autoCommitAge(Duration.ofMillis(200)).build()) {
      q.write("t", "", "a", b(1));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (q.pendingCount() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(q.pendingCount()).isZero();
      assertThat(third.read("t", "", "a")).containsExactly(1);
    }
  }

  @Test
  void close_waitsForAnAutomaticCommitInFlight_withoutInterruptingIt(@TempDir Path tmp)
      throws Exception {
    // close() used shutdownNow() on the auto-commit thread: the interrupt reached the filesystem
    // store's commit log mid-batch (an interrupted FileChannel closes), the commit failed, and
    // close() failed to commit what it promised to.
    java.util.Set<String> committers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    FaultInjectingStore slow =
        FaultInjectingStore.wrap(FilesystemStoreV2.open(tmp.resolve("s")))
            .latency(Duration.ofMillis(600))
            .failWhen(
                op -> {
                  committers.add(Thread.currentThread().getName());
                  return false;
                });
    QueuedStore q = QueuedStore.builder(slow).autoCommitAge(Duration.ofMillis(20)).build();
    for (int i = 0; i < 20; i++) {
      q.write("p", "", "k" + i, new byte[] {(byte) i});
    }
    Thread.sleep(250); // the automatic commit is asleep in the slow store's latency
    q.close();

    assertThat(committers).anyMatch(name -> name.startsWith("lnkv-queue-autocommit"));
    try (FilesystemStoreV2 reopened = FilesystemStoreV2.open(tmp.resolve("s"))) {
      assertThat(reopened.list("p", "")).hasSize(20);
    }
  }

  @Test
  void discard_dropsTheQueue_andClose_commitsWhatIsLeft(@TempDir Path tmp) {
    QueuedStore q = QueuedStore.builder(FilesystemStoreV2.open(tmp.resolve("s"))).build();
    q.write("p", "", "dropped", b(1));
    assertThat(q.discard()).isEqualTo(1);
    q.write("p", "", "kept", b(2));
    q.close();
    try (FilesystemStoreV2 reopened = FilesystemStoreV2.open(tmp.resolve("s"))) {
      assertThat(reopened.list("p", "")).containsExactly("kept");
    }
  }

  @Test
  void commit_whoseBatchFailsAfterTheStoreRecordedIt_doesNotClaimNothingWasApplied() {
    // The filesystem store records a batch in its commit log, then writes the files; a disk error
    // in between left QueuedStore saying "Nothing was applied" of a batch the next open completes.
    io.lnkv.testkit.disk.SimulatedDisk disk = io.lnkv.testkit.disk.SimulatedDisk.create();
    FilesystemStoreV2 fs = FilesystemStoreV2.open(disk.path("/data"));
    QueuedStore queue = QueuedStore.builder(fs).build();
    queue.write("p", "", "a", b(1));
    queue.write("p", "", "b", b(2));
    disk.injectFault(
        (op, path, index) ->
            op == io.lnkv.testkit.disk.SimulatedDisk.Operation.WRITE
                    && path.toString().startsWith("/data/")
                ? new java.io.IOException("Input/output error")
                : null);

    assertThatThrownBy(queue::commit)
        .isInstanceOf(CommitFailedException.class)
        .hasCauseInstanceOf(io.lnkv.BatchInDoubtException.class)
        .hasMessageContaining("may or may not have taken effect")
        .hasMessageNotContaining("Nothing was applied");
    assertThat(queue.pendingCount()).isEqualTo(2);

    disk.injectFault(null);
    try {
      queue.close();
    } catch (RuntimeException refusedUntilReopened) {
      // the store refuses calls until it is reopened
    }
    try (FilesystemStoreV2 reopened = FilesystemStoreV2.open(disk.path("/data"))) {
      assertThat(reopened.read("p", "", "a")).isEqualTo(b(1));
      assertThat(reopened.read("p", "", "b")).isEqualTo(b(2));
    }
  }

  @Test
  void commitWithoutAtomicBatches_writesARecreatedKeyInPlace_neverRemovingItFirst() {
    // Removing then writing outside a batch could lose the key to a crash between the two.
    FaultInjectingStore delegate =
        FaultInjectingStore.wrap(InMemoryStore.create())
            .withoutAtomicBatches()
            .failWhen(op -> op.kind() == FaultInjectingStore.Kind.REMOVE);
    delegate.write("p", "", "k", b(1));
    try (QueuedStore queue = QueuedStore.builder(delegate).build()) {
      queue.remove("p", "", "k", false);
      queue.write("p", "", "k", b(2));
      CommitResult result = queue.commit();
      assertThat(result.atomic()).isFalse();
      assertThat(delegate.read("p", "", "k")).isEqualTo(b(2));
    }
  }
}
