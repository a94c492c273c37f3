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
    return (long)
        AdminMetrics.value(
            server.adminUrl(),
            "vss_requests_seconds_count{endpoint=\"putObjects\",status=\"200\"}");
  }

  @Test
  void concurrentFencedWrites_goTogether_andAllLand() throws Exception {
    try (VssServer server = server("pipelined");
        DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(25));
        VssStore store = client(proxy, "node").build()) {
      long before = putsAnswered(server);
      int threads = 16;
      int each = 5;
      atOnce(
          threads,
          me -> {
            for (int i = 0; i < each; i++) {
              store.write("monitors", "", "m" + me + "-" + i, new byte[] {(byte) me, (byte) i});
            }
            return null;
          });
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
      List<String> outcomes =
          atOnce(
              threads,
              me -> {
                try {
                  store.write("p", "", me == 5 ? "contested" : "k" + me, new byte[] {3});
                  return "ok";
                } catch (ConflictException e) {
                  return "conflict";
                }
              });
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
        List<byte[]> reads =
            atOnce(
                threads,
                me -> {
                  return store.read("p", "", "k");
                });
        assertThat(reads).allSatisfy(r -> assertThat(r).containsExactly(7));
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

  /** What one of several callers does, given its number. */
  @FunctionalInterface
  private interface Caller<T> {
    T call(int me) throws Exception;
  }

  /**
   * Runs {@code threads} callers at once (started together) and returns their results in order; a
   * caller's exception fails the test.
   */
  private static <T> List<T> atOnce(int threads, Caller<T> caller) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> running = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        running.add(
            pool.submit(
                () -> {
                  start.await();
                  return caller.call(me);
                }));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> f : running) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A write's value and when its call began and returned, for the order check. */
  private record Call(byte[] value, long startNanos, long endNanos) {}

  /**
   * Per-key call order under 64 threads writing 8 keys at once, grouped: a key's final value is
   * that of a write no other write of the key began after (a write that returned before another
   * began must be overwritten by it, whatever groups they went in). A put resent after its group (a
   * retry, or a conflict's one-by-one resend) landing over a later write would leave an older
   * value. What it cannot see: the order of puts waiting at once (their callers' order is not
   * observable from outside), nor two puts of a key in one group, which this server applies in
   * order; {@code GlobalVersionFence.takeGroup} keeps them apart for servers that might not.
   */
  @Test
  void perKeyCallOrder_holdsUnder64Threads() throws Exception {
    try (VssServer server = server("order");
        DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(5));
        VssStore store = client(proxy, "node").build()) {
      long before = putsAnswered(server);
      int threads = 64;
      int each = 6;
      int keys = 8;
      List<List<Call>> calls = new ArrayList<>();
      for (int k = 0; k < keys; k++) {
        calls.add(java.util.Collections.synchronizedList(new ArrayList<>()));
      }
      atOnce(
          threads,
          me -> {
            for (int i = 0; i < each; i++) {
              int key = (me + i) % keys;
              byte[] value = {(byte) me, (byte) i};
              long began = System.nanoTime();
              store.write("order", "", "k" + key, value);
              calls.get(key).add(new Call(value, began, System.nanoTime()));
            }
            return null;
          });
      for (int k = 0; k < keys; k++) {
        byte[] last = store.read("order", "", "k" + k);
        long lastStart = calls.get(k).stream().mapToLong(Call::startNanos).max().orElseThrow();
        // the writes still running when the last one began: the final value is one of theirs
        List<byte[]> allowed =
            calls.get(k).stream().filter(c -> c.endNanos() >= lastStart).map(Call::value).toList();
        assertThat(allowed).as("key k%s", k).anySatisfy(v -> assertThat(last).isEqualTo(v));
      }
      assertThat(putsAnswered(server) - before)
          .as("%s writes went in groups", threads * each)
          .isLessThan(threads * each / 2);
    }
  }

  /**
   * A fenced writer whose store another writer opens while its puts wait in groups lands nothing
   * more: every put that failed (taken over) is absent, every put that returned is present, and all
   * its writers stop with {@link io.lnkv.StoreLockedException}.
   */
  @Test
  void aWriterTakenOverWhileGroupsWait_landsNothingMore() throws Exception {
    try (VssServer server = server("takeover");
        DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(25));
        VssStore old = client(proxy, "node").writerLease(Duration.ZERO).build()) {
      int threads = 16;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      java.util.Set<String> landed = java.util.concurrent.ConcurrentHashMap.newKeySet();
      java.util.Set<String> refused = java.util.concurrent.ConcurrentHashMap.newKeySet();
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        writers.add(
            pool.submit(
                () -> {
                  for (int i = 0; ; i++) {
                    String key = "w" + me + "-" + i;
                    try {
                      old.write("p", "", key, new byte[] {1});
                      landed.add(key);
                    } catch (io.lnkv.StoreLockedException e) {
                      refused.add(key);
                      return null;
                    }
                  }
                }));
      }
      Thread.sleep(600); // groups go and wait
      try (VssStore successor =
          VssStore.builder(server.baseUrl().toString(), "node") // directly, no delay
              .keys(VssKeys.fromNodeSeed(seed()))
              .writerLease(Duration.ZERO)
              .build()) {
        for (Future<?> w : writers) {
          w.get(); // each stops at its first refusal
        }
        pool.shutdown();
        assertThat(refused).hasSize(threads);
        assertThat(landed).isNotEmpty();
        for (String key : refused) {
          org.assertj.core.api.Assertions.assertThatThrownBy(() -> successor.read("p", "", key))
              .as("refused %s", key)
              .isInstanceOf(io.lnkv.KeyNotFoundException.class);
        }
        for (String key : landed) {
          assertThat(successor.read("p", "", key)).as("landed %s", key).containsExactly(1);
        }
      }
    }
  }

  private static byte[] seed() {
    byte[] seed = new byte[64];
    seed[0] = 9;
    return seed;
  }

  /**
   * Groups stay within the server's limits: 64 writers of 1.5 MiB values and a server that takes 8
   * items a put (the client told so) answer every write, with no put body over the 8 MiB a group
   * may carry (plus the encryption's and the message's overhead): five such values, not eight.
   */
  @Test
  void groupsStayWithinTheItemAndByteLimits() throws Exception {
    try (VssServer server =
            VssServer.builder(VssStorage.sqlite(dir.resolve("limits.sqlite")))
                .port(0)
                .authorizer(Authorizer.none())
                .adminListener("127.0.0.1", 0)
                .maxItemsPerPut(8)
                .start();
        DelayProxy proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(5));
        VssStore store = client(proxy, "node").maxBatchItems(8).build()) {
      long before = putsAnswered(server);
      int threads = 64;
      atOnce(
          threads,
          me -> {
            store.write("p", "", "big" + me, new byte[1536 * 1024]);
            return null;
          });
      assertThat(
              (long)
                  AdminMetrics.value(
                      server.adminUrl(), "vss_request_body_bytes_max{endpoint=\"putObjects\"}"))
          .isGreaterThan(3 * 1536 * 1024) // groups of several
          .isLessThanOrEqualTo((8 << 20) + (64 << 10));
      assertThat(putsAnswered(server) - before).isLessThan(threads);
    }
  }

  /**
   * A store asked for HTTP/2 in clear text falls back to HTTP/1.1 behind a server that speaks only
   * that (the JDK's HTTP server, forwarding to {@code lnkv serve}): it offered the upgrade, was
   * answered in HTTP/1.1, and reads and writes work on.
   */
  @Test
  void http2_fallsBackToHttp1_whereTheServerDoesNotOfferIt() throws Exception {
    try (VssServer server = server("fallback")) {
      HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      java.util.concurrent.atomic.AtomicInteger upgradesOffered =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger requests =
          new java.util.concurrent.atomic.AtomicInteger();
      com.sun.net.httpserver.HttpServer http1 =
          com.sun.net.httpserver.HttpServer.create(
              new java.net.InetSocketAddress("127.0.0.1", 0), 0);
      http1.createContext(
          "/vss/",
          exchange -> {
            requests.incrementAndGet();
            if ("h2c".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Upgrade"))) {
              upgradesOffered.incrementAndGet();
            }
            try {
              HttpRequest.Builder out =
                  HttpRequest.newBuilder(
                          server.baseUrl().resolve(exchange.getRequestURI().getPath()))
                      .POST(
                          HttpRequest.BodyPublishers.ofByteArray(
                              exchange.getRequestBody().readAllBytes()));
              for (String name : List.of("Authorization", "Content-Type")) {
                String value = exchange.getRequestHeaders().getFirst(name);
                if (value != null) {
                  out.header(name, value);
                }
              }
              HttpResponse<byte[]> answer =
                  forward.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
              answer
                  .headers()
                  .map()
                  .forEach(
                      (name, values) -> {
                        if (name.equalsIgnoreCase("vss-protocol-version")
                            || name.equalsIgnoreCase("content-type")) {
                          exchange.getResponseHeaders().put(name, values);
                        }
                      });
              byte[] body = answer.body();
              exchange.sendResponseHeaders(
                  answer.statusCode(), body.length == 0 ? -1 : body.length);
              exchange.getResponseBody().write(body);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              exchange.sendResponseHeaders(502, -1);
            } finally {
              exchange.close();
            }
          });
      http1.start();
      try (VssStore store =
          VssStore.builder("http://127.0.0.1:" + http1.getAddress().getPort() + "/vss", "node")
              .keys(VssKeys.fromNodeSeed(seed()))
              .retries(3, Duration.ofSeconds(10))
              .http2(true)
              .build()) {
        store.write("p", "", "k", new byte[] {4});
        assertThat(store.read("p", "", "k")).containsExactly(4);
        assertThat(upgradesOffered.get()).as("the store offered HTTP/2").isPositive();
        assertThat(requests.get()).as("every request answered in HTTP/1.1").isGreaterThan(2);
      } finally {
        http1.stop(0);
      }
    }
  }
}
