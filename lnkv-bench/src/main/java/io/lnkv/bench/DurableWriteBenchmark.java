package io.lnkv.bench;

import io.lnkv.KVStore;
import java.io.IOException;
import java.nio.file.Path;
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
 * Durable single writes (blocking {@code write}, 256 bytes, each thread cycling over its own 1,000
 * keys). Run with 1 and with 8 threads: with group commit, 8 writers share fsyncs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DurableWriteBenchmark {
  @Param({"sqlite", "fs", "fs2"})
  public String store;

  private Path dir;
  private KVStore kv;
  private final AtomicInteger threadIds = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    kv = BenchStores.open(store, dir, 8);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    kv.close();
    BenchStores.delete(dir);
  }

  /** Each thread's own keys. */
  @State(Scope.Thread)
  public static class Keys {
    String prefix;
    int next;
    final byte[] value = new byte[256];

    @Setup(Level.Trial)
    public void setUp(DurableWriteBenchmark b) {
      prefix = "t" + b.threadIds.incrementAndGet() + "_";
    }
  }

  @Benchmark
  public void write(Keys keys) {
    int n = keys.next++;
    BenchStores.stamp(keys.value, n);
    kv.write("bench", "", keys.prefix + (n % 1000), keys.value);
  }
}
