package io.lnkv.bench;

import io.lnkv.vss.VssKeys;
import io.lnkv.vss.VssStore;
import io.lnkv.vss.server.VssServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One VssStore (one node) used by many threads at once, against {@code lnkv serve} behind a proxy
 * that delays every byte by {@code delayMs} each way: what a wallet sees of a server 30–150 ms
 * away, and an LSP of one a few ms away. Writes are fenced (the default): each carries the store's
 * global_version, so they must go one request at a time, and only grouping the writers that wait
 * lets a node with many channels write more than one value per round trip. Run with 1, 8 and 64
 * threads; the ratio of interest is N callers against 1 at the same delay.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DistanceBenchmark {
  /** One-way delay of the proxy, in milliseconds. */
  @Param({"0", "5", "25"})
  public int delayMs;

  private Path dir;
  private VssServer server;
  private DelayProxy proxy;
  private VssStore store;

  /** Starts the server, the proxy in front of it, and opens the store through the proxy. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = BenchStores.tempDir();
    server = BenchStores.vssServer(dir);
    proxy = DelayProxy.start("127.0.0.1", server.port(), Duration.ofMillis(delayMs));
    byte[] seed = new byte[64];
    Arrays.fill(seed, (byte) 6);
    store =
        VssStore.builder("http://127.0.0.1:" + proxy.port() + "/vss", "node")
            .keys(VssKeys.fromNodeSeed(seed))
            .writerLease(Duration.ZERO) // closing needs no round trip to a stopping server
            .build();
    for (int k = 0; k < 64; k++) {
      store.write("bench", "", "read-" + k, new byte[256]);
    }
  }

  /** Closes the store, the proxy and the server. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    store.close();
    proxy.close();
    server.close();
    BenchStores.delete(dir);
  }

  /** One caller: keys of its own, as a channel's monitor is its own key. */
  @State(Scope.Thread)
  public static class Caller {
    private static final AtomicInteger CALLERS = new AtomicInteger();
    final int id = CALLERS.incrementAndGet();
    final byte[] value = new byte[256];
    int next;
  }

  /** A fenced write of one of the caller's keys, acknowledged once durable on the server. */
  @Benchmark
  public void write(Caller c) {
    BenchStores.stamp(c.value, c.next);
    store.write("bench", "", "c" + c.id + "-" + (c.next++ % 10), c.value);
  }

  /** A read of a key: one getObject round trip, decrypted. */
  @Benchmark
  public byte[] read(Caller c) {
    return store.read("bench", "", "read-" + (c.id + c.next++) % 64);
  }
}
