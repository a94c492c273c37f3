package io.lnkv.bench;

import io.lnkv.vss.VssKeys;
import io.lnkv.vss.VssStore;
import io.lnkv.vss.server.VssServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The CPU time {@code lnkv serve}'s own threads spend per request, against the same for the bare
 * handler ({@link BareServer}): what the server costs a host per read and per write, apart from the
 * clients that share the machine here. Counted with {@link ThreadMXBean} over the threads of each
 * server's pool (request handling, selectors, and the storage work they run), for a fixed number of
 * requests from 8 client threads, after as many to warm up.
 */
final class ServerCpu {
  /** Microseconds of server CPU per request. */
  record Result(double read, double write, double bare) {}

  private static final int CLIENTS = 8;

  private ServerCpu() {}

  static Result measure(int requestsPerClient) throws Exception {
    Path dir = BenchStores.tempDir();
    try (VssServer server = BenchStores.vssServer(dir);
        BareServer bare = new BareServer()) {
      List<VssStore> stores = new ArrayList<>();
      byte[] seed = new byte[64];
      Arrays.fill(seed, (byte) 8);
      for (int c = 0; c < CLIENTS; c++) {
        VssStore store =
            VssStore.builder(server.baseUrl().toString(), "cpu-" + c)
                .keys(VssKeys.fromNodeSeed(seed))
                .writerLease(Duration.ZERO)
                .build();
        store.write("bench", "", "k", new byte[256]);
        stores.add(store);
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest bareRequest =
          HttpRequest.newBuilder(bare.url)
              .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[300]))
              .build();
      Work read = (c, i) -> stores.get(c).read("bench", "", "k");
      Work write =
          (c, i) -> {
            byte[] value = new byte[256];
            BenchStores.stamp(value, i);
            stores.get(c).write("bench", "", "k", value);
          };
      Work bareTrip = (c, i) -> http.send(bareRequest, HttpResponse.BodyHandlers.discarding());
      double r = perRequest(read, "lnkv-vss-server", requestsPerClient);
      double w = perRequest(write, "lnkv-vss-server", requestsPerClient);
      double b = perRequest(bareTrip, BareServer.THREADS, requestsPerClient);
      for (VssStore s : stores) {
        s.close();
      }
      return new Result(r, w, b);
    } finally {
      BenchStores.delete(dir);
    }
  }

  @FunctionalInterface
  private interface Work {
    void run(int client, int i) throws Exception;
  }

  /** Server CPU microseconds per request of {@code work}, on the threads named {@code prefix}. */
  private static double perRequest(Work work, String prefix, int perClient) throws Exception {
    run(work, perClient); // warm-up
    long before = cpuNanos(prefix);
    run(work, perClient);
    long after = cpuNanos(prefix);
    return (after - before) / 1000.0 / (CLIENTS * (long) perClient);
  }

  private static void run(Work work, int perClient) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        clients.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perClient; i++) {
                    work.run(client, i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : clients) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  /** CPU time of the live threads whose names start with {@code prefix}. */
  private static long cpuNanos(String prefix) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith(prefix)) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        total += Math.max(0, cpu);
      }
    }
    return total;
  }
}
