package io.lnkv.vss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import io.lnkv.vss.server.Authorizer;
import io.lnkv.vss.server.VssServer;
import io.lnkv.vss.server.VssStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer that lost the store must land nothing after its successor, and a write whose response
 * was lost must not be misreported, over real HTTP with the network's faults played by {@link
 * FaultyProxy}: requests held in flight past the writer's lease (a long GC pause, a partition),
 * responses lost after the server applied the put, a server that cannot be reached.
 */
class VssWriterSafetyTest {
  @TempDir Path dir;
  private VssServer server;
  private FaultyProxy proxy;

  @BeforeEach
  void start() throws Exception {
    server =
        VssServer.builder(VssStorage.sqlite(dir.resolve("vss.sqlite")))
            .port(0)
            .authorizer(Authorizer.none())
            .start();
    proxy = new FaultyProxy(server.baseUrl());
  }

  @AfterEach
  void stop() {
    proxy.close();
    server.close();
  }

  /** A writer behind the proxy: 2 s lease, 500 ms requests, retries for up to 20 s. */
  private VssStore.Builder pausable(String storeId) {
    return VssStore.builder(proxy.baseUrl(), storeId)
        .keys(TestServers.keys())
        .writerLease(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofMillis(500))
        .retries(1000, Duration.ofSeconds(20));
  }

  private VssStore.Builder direct(String storeId) {
    return VssStore.builder(server.baseUrl().toString(), storeId)
        .keys(TestServers.keys())
        .retries(5, Duration.ofSeconds(5));
  }

  /** What the store held after the scenario, and how the first writer's write ended. */
  private record Outcome(String stored, Throwable staleWriteFailure) {}

  /**
   * The first writer's write is held in flight until its lease has lapsed and a second writer has
   * taken the store over and written; then it arrives.
   */
  private Outcome pausedWriterScenario(String storeId, boolean fencing) throws Exception {
    Throwable staleWriteFailure = null;
    VssStore first = pausable(storeId).globalVersionFencing(fencing).build();
    try {
      first.write("monitors", "", "chan", utf8("first, old state"));
      proxy.hold(); // from here the first writer's requests, renewals included, are in flight
      CompletableFuture<Void> stale =
          CompletableFuture.runAsync(
              () -> first.write("monitors", "", "chan", utf8("first, stale state")));
      Thread.sleep(2_600); // past the lease: renewals cannot get through
      try (VssStore second = direct(storeId).globalVersionFencing(fencing).build()) {
        second.write("monitors", "", "chan", utf8("second, new state"));
        proxy.release(); // the stale write (and the renewals) reach the server now
        try {
          stale.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          staleWriteFailure = e.getCause();
        }
      }
    } finally {
      first.close();
    }
    try (VssStore reader = direct(storeId).readOnly().build()) {
      return new Outcome(
          new String(reader.read("monitors", "", "chan"), StandardCharsets.UTF_8),
          staleWriteFailure);
    }
  }

  @Test
  void aWriterPausedPastItsLease_landsNothingAfterItsSuccessor() throws Exception {
    Outcome outcome = pausedWriterScenario("fenced", true);
    assertThat(outcome.stored()).isEqualTo("second, new state");
    assertThat(outcome.staleWriteFailure())
        .as("the first writer's write, sent before the pause, is reported failed")
        .isInstanceOf(StoreException.class);
  }

  /**
   * The same scenario without fencing, ldk-node's behaviour: the stale write lands over the
   * successor's. This is why fencing is on by default, and it shows that the scenario above does
   * deliver the stale write to the server.
   */
  @Test
  void withoutFencing_theStaleWriteLandsOverTheSuccessors() throws Exception {
    assertThat(pausedWriterScenario("unfenced", false).stored()).isEqualTo("first, stale state");
  }

  @Test
  void fencingIsOnByDefault() throws Exception {
    try (VssStore first = direct("default").writerLease(Duration.ZERO).build()) {
      first.write("p", "", "k", utf8("first"));
      try (VssStore second = direct("default").writerLease(Duration.ZERO).build()) {
        assertThatThrownBy(() -> first.write("p", "", "k", utf8("stale")))
            .isInstanceOf(StoreLockedException.class)
            .hasMessageContaining("taken over");
        second.write("p", "", "k", utf8("second"));
      }
    }
  }

  @Test
  void aFencedWriteWhoseResponseWasLost_isDone_notATakeover() throws Exception {
    try (VssStore store = pausable("lost-fenced").build()) {
      store.write("p", "", "k", utf8("v1"));
      proxy.dropNextPutResponse(); // v2 lands, its answer is lost, the retry conflicts
      store.write("p", "", "k", utf8("v2"));
      store.write("p", "", "k", utf8("v3")); // still the writer: not fenced out by itself
      assertThat(store.read("p", "", "k")).isEqualTo(utf8("v3"));
    }
  }

  /**
   * A remove is a put carrying only deletes: when its response is lost and the retry conflicts, it
   * is checked as writes are (global_version moved by one, the key absent) and reported done.
   * Before, a put without values could never be proven landed: the store reported a takeover and
   * refused every write after it.
   */
  @Test
  void aFencedRemoveWhoseResponseWasLost_isDone_andTheStoreStaysUsable() throws Exception {
    try (VssStore store = pausable("lost-fenced-remove").build()) {
      store.write("p", "", "k", utf8("v1"));
      store.write("p", "", "other", utf8("o"));
      proxy.dropNextPutResponse(); // the delete lands, its answer is lost, the retry conflicts
      store.remove("p", "", "k", false);
      assertThatThrownBy(() -> store.read("p", "", "k"))
          .isInstanceOf(io.lnkv.KeyNotFoundException.class);
      store.write("p", "", "k", utf8("v2")); // still the writer
      store.remove("p", "", "other", false);
      assertThat(store.read("p", "", "k")).isEqualTo(utf8("v2"));
      assertThat(store.list("p", "")).containsExactly("k");
    }
  }

  /** A batch of removes only, the same way. */
  @Test
  void aFencedBatchOfRemovesWhoseResponseWasLost_isDone() throws Exception {
    try (VssStore store = pausable("lost-fenced-batch-remove").build()) {
      store.write("p", "", "a", utf8("1"));
      store.write("p", "", "b", utf8("2"));
      proxy.dropNextPutResponse();
      store.writeBatch(
          java.util.List.of(
              io.lnkv.BatchOp.remove("p", "", "a"), io.lnkv.BatchOp.remove("p", "", "b")));
      assertThat(store.list("p", "")).isEmpty();
      store.write("p", "", "c", utf8("3"));
    }
  }

  @Test
  void aCompareAndSetWriteWhoseResponseWasLost_isDone_notAConflict() throws Exception {
    try (VssStore store =
        pausable("lost-cas")
            .globalVersionFencing(false)
            .writeMode(VssStore.WriteMode.COMPARE_AND_SET)
            .build()) {
      store.write("p", "", "k", utf8("v1"));
      proxy.dropNextPutResponse();
      store.write("p", "", "k", utf8("v2"));
      store.write("p", "", "k", utf8("v3")); // the tracked version is right: no conflict
      assertThat(store.read("p", "", "k")).isEqualTo(utf8("v3"));
    }
  }

  @Test
  void aConflictOnARetry_thatIsAnotherClientsChange_isStillAConflict() throws Exception {
    try (VssStore store =
            pausable("lost-cas-other")
                .globalVersionFencing(false)
                .writerLease(Duration.ZERO)
                .writeMode(VssStore.WriteMode.COMPARE_AND_SET)
                .build();
        VssStore other =
            direct("lost-cas-other")
                .globalVersionFencing(false)
                .writerLease(Duration.ZERO)
                .writeMode(VssStore.WriteMode.COMPARE_AND_SET)
                .build()) {
      store.write("p", "", "k", utf8("v1"));
      proxy.hold();
      CompletableFuture<Void> write =
          CompletableFuture.runAsync(() -> store.write("p", "", "k", utf8("mine")));
      Thread.sleep(700); // the first attempt times out, held; retries are held too
      other.write("p", "", "k", utf8("theirs")); // over v1: version 1 -> 2
      proxy.release(); // "mine" lands over "theirs"? No: its version is stale, it conflicts
      assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(io.lnkv.ConflictException.class);
      assertThat(other.read("p", "", "k")).isEqualTo(utf8("theirs"));
    }
  }

  @Test
  void retriesStop_whenTheLeaseCannotBeRenewedInTime() {
    try (VssStore store = pausable("unreachable").build()) {
      store.write("p", "", "k", utf8("v1"));
      proxy.down(); // the server is unreachable: writes retry, the lease cannot be renewed
      assertThatThrownBy(() -> store.write("p", "", "k", utf8("v2")))
          .as("stopped by the lease, not after the 20 s retry budget")
          .isInstanceOf(StoreLockedException.class)
          .hasMessageContaining("stopped retrying")
          .hasMessageContaining("writer lease");
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
