package io.lnkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.ConflictException;
import io.lnkv.bench.DelayProxy;
import io.lnkv.vss.VssKeys;
import io.lnkv.vss.VssStore;
import io.lnkv.vss.server.Authorizer;
import io.lnkv.vss.server.VssServer;
import io.lnkv.vss.server.VssStorage;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fenced writes from many threads of one VssStore, to a server 50 ms away (a delaying proxy): the
 * writes that wait while one is in flight go together as the next request, so a busy node does not
 * queue its writes one round trip each. Before, every write was its own request, serialized by the
 * store's global_version.
 */
class FencedPipeliningTest {
  @TempDir Path dir;

  private VssServer server(String name) {
    return VssServer.builder(VssStorage.sqlite(dir.resolve(name + ".sqlite")))
        .port(0)
        .authorizer(Authorizer.none())
        .adminListener("127.0.0.1", 0)
        .start();
  }

  private static VssStore.Builder client(DelayProxy proxy, String store) {
    byte[] seed = new byte[64];
    seed[0] = 9;
    return VssStore.builder("http://127.0.0.1:" + proxy.port() + "/vss", store)
        .keys(VssKeys.fromNodeSeed(seed))
        .retries(3, Duration.ofSeconds(10));
  }

  /** The server's count of putObjects answered 200, from its admin listener. */
  private static long putsAnswered(VssServer server) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.adminUrl().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile(
                "vss_requests_seconds_count\\{endpoint=\"putObjects\",status=\"200\"} ([0-9.E]+)")
            .matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void concurrentFencedWrites_goTogether_andAllLand() throws Exception {
    try (VssServer server = server("pipelined");
        DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(25));
        VssStore store = client(proxy, "node").build()) {
      long before = putsAnswered(server);
      int threads = 16;
      int each = 5;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        writers.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < each; i++) {
                    store.write(
                        "monitors", "", "m" + me + "-" + i, new byte[] {(byte) me, (byte) i});
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> w : writers) {
        w.get();
      }
      pool.shutdown();
      long requests = putsAnswered(server) - before;
      assertThat(requests)
          .as("%s fenced writes from %s threads", threads * each, threads)
          .isLessThan(threads * each / 2);
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < each; i++) {
          assertThat(store.read("monitors", "", "m" + t + "-" + i))
              .containsExactly((byte) t, (byte) i);
        }
      }
    }
  }

  /**
   * A compare-and-set that fails in a group fails its own caller only: the group is sent again one
   * put at a time, and the other writers' puts land.
   */
  @Test
  void aConflictInAGroup_failsOnlyItsCaller() throws Exception {
    try (VssServer server = server("cas");
        DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(25));
        VssStore store =
            client(proxy, "node").writeMode(VssStore.WriteMode.COMPARE_AND_SET).build()) {
      store.write("p", "", "contested", new byte[] {1});
      // another client changes the key behind this store's back (no fencing, no lease: it leaves
      // the store's global_version alone)
      try (VssStore other =
          client(proxy, "node")
              .globalVersionFencing(false)
              .writerLease(Duration.ZERO)
              .writeMode(VssStore.WriteMode.COMPARE_AND_SET) // moves the version to 2
              .build()) {
        other.write("p", "", "contested", new byte[] {2});
      }
      int threads = 12;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        writers.add(
            pool.submit(
                () -> {
                  start.await();
                  try {
                    store.write("p", "", me == 5 ? "contested" : "k" + me, new byte[] {3});
                    return "ok";
                  } catch (ConflictException e) {
                    return "conflict";
                  }
                }));
      }
      start.countDown();
      List<String> outcomes = new ArrayList<>();
      for (Future<String> w : writers) {
        outcomes.add(w.get());
      }
      pool.shutdown();
      for (int t = 0; t < threads; t++) {
        assertThat(outcomes.get(t)).as("writer %s", t).isEqualTo(t == 5 ? "conflict" : "ok");
      }
      assertThat(store.read("p", "", "contested")).containsExactly(2);
      assertThat(store.read("p", "", "k0")).containsExactly(3);
    }
  }

  /**
   * Reads from many threads of one store over HTTP/2 share one connection: at a distance, a
   * connection per request in flight (HTTP/1.1) costs a handshake each, and a server's connection
   * slots. Clear text, so the store upgrades (h2c) when asked; over TLS it is the default.
   */
  @Test
  void http2_carriesManyRequestsInFlightOnOneConnection() throws Exception {
    int threads = 16;
    for (boolean h2 : new boolean[] {false, true}) {
      try (VssServer server = server("h2-" + h2);
          DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(25));
          VssStore store = client(proxy, "node").http2(h2).build()) {
        store.write("p", "", "k", new byte[] {7});
        int before = proxy.connectionsAccepted();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<byte[]>> reads = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          reads.add(
              pool.submit(
                  () -> {
                    start.await();
                    return store.read("p", "", "k");
                  }));
        }
        start.countDown();
        for (Future<byte[]> r : reads) {
          assertThat(r.get()).containsExactly(7);
        }
        pool.shutdown();
        int opened = proxy.connectionsAccepted() - before;
        if (h2) {
          assertThat(opened).as("new connections for %s reads over HTTP/2", threads).isZero();
        } else {
          assertThat(opened).as("HTTP/1.1: a connection per request in flight").isGreaterThan(4);
        }
      }
    }
  }

  /**
   * The header deadline closes connections that send no whole request in time, never one in steady
   * use: a request every 300 ms for 4 s, over HTTP/1.1 and over HTTP/2, with a 1 s deadline, keeps
   * its one connection.
   */
  @Test
  void aConnectionInSteadyUse_outlivesTheHeaderDeadline() throws Exception {
    for (boolean h2 : new boolean[] {false, true}) {
      try (VssServer server =
              VssServer.builder(VssStorage.sqlite(dir.resolve("steady-" + h2 + ".sqlite")))
                  .port(0)
                  .authorizer(Authorizer.none())
                  .headerTimeout(Duration.ofSeconds(1))
                  .start();
          DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ZERO);
          VssStore store = client(proxy, "node").http2(h2).build()) {
        store.write("p", "", "k", new byte[] {1});
        int before = proxy.connectionsAccepted();
        for (int i = 0; i < 13; i++) {
          Thread.sleep(300);
          assertThat(store.read("p", "", "k")).containsExactly(1);
        }
        assertThat(proxy.connectionsAccepted() - before)
            .as("new connections over %s", h2 ? "HTTP/2" : "HTTP/1.1")
            .isZero();
      }
    }
  }
}
