package io.lnkv.bench;

import io.lnkv.vss.VssKeys;
import io.lnkv.vss.VssStore;
import io.lnkv.vss.server.VssServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code lnkv serve} under many connections: each benchmark thread is one client (its own VSS store
 * and HTTP connection, as separate wallets are) reading and writing 256-byte values; and, as the
 * floor, a bare HTTP round trip of the same size to a Jetty handler that does nothing. Run with 1,
 * 8 and 64 threads; the storage's own throughput with as many local writers is {@code
 * io.lnkv.vss.server.StorageBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VssServerBenchmark {
  static final int KEYS_PER_CLIENT = 10;

  private Path dir;
  private VssServer server;
  private BareServer bare;
  private URI bareUrl;

  /** Starts the VSS server (SQLite storage) and the bare Jetty server. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = BenchStores.tempDir();
    server = BenchStores.vssServer(dir);
    bare = new BareServer();
    bareUrl = bare.url;
  }

  /** Stops both servers and deletes the storage. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    server.close();
    bare.close();
    BenchStores.delete(dir);
  }

  /** One client: a store of its own on the server, and an HTTP client for the bare round trip. */
  @State(Scope.Thread)
  public static class Client {
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    private VssStore store;
    private HttpClient http;
    private HttpRequest bareRequest;
    private final byte[] value = new byte[256];
    private int next;

    /** Opens the client's store and writes its keys. */
    @Setup(Level.Trial)
    public void setUp(VssServerBenchmark bench) {
      byte[] seed = new byte[64];
      Arrays.fill(seed, (byte) 4);
      store =
          VssStore.builder(bench.server.baseUrl().toString(), "client-" + CLIENTS.incrementAndGet())
              .keys(VssKeys.fromNodeSeed(seed))
              // one writer per store by construction: fencing stays on (the default being
              // measured), the lease is left out so that closing needs no round trip to a server
              // the benchmark may already be stopping
              .writerLease(java.time.Duration.ZERO)
              .build();
      for (int k = 0; k < KEYS_PER_CLIENT; k++) {
        store.write("bench", "", "k" + k, value);
      }
      // configured as VssStore's client is (HTTP/1.1, steps run where they are reached), so that
      // the ratio compares the server's work, not two clients
      http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .executor(Runnable::run)
              .build();
      bareRequest =
          HttpRequest.newBuilder(bench.bareUrl)
              .timeout(java.time.Duration.ofSeconds(10)) // as VssStore's requests: no hang
              .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[300]))
              .build();
    }

    /** Closes the client's store. */
    @TearDown(Level.Trial)
    public void tearDown() {
      store.close();
    }

    String nextKey() {
      return "k" + (next++ % KEYS_PER_CLIENT);
    }
  }

  /** A read of one of the client's keys: one getObject round trip, decrypted. */
  @Benchmark
  public byte[] read(Client c) {
    return c.store.read("bench", "", c.nextKey());
  }

  /** A write of one of the client's keys: one fenced putObjects, durable in SQLite. */
  @Benchmark
  public void write(Client c) {
    String key = c.nextKey();
    BenchStores.stamp(c.value, c.next);
    c.store.write("bench", "", key, c.value);
  }

  /** The same-size POST to a handler that does nothing: HTTP's own cost on this machine. */
  @Benchmark
  public int bareRoundTrip(Client c) throws IOException, InterruptedException {
    return c.http.send(c.bareRequest, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
