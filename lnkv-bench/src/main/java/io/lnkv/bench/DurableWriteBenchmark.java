package io.lnkv.bench;

import io.lnkv.KVStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
  /** The store under test (a {@code BenchStores} name). */
  @Param({"sqlite", "fs", "fs2"})
  public String store;

  private Path dir;
  private KVStore kv;

  /** Opens the store in a fresh temporary folder. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    kv = BenchStores.open(store, dir, 8);
  }

  /** Closes the store and deletes the folder. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    kv.close();
    BenchStores.delete(dir);
  }

  /** One durable write of a 256-byte value to one of the thread's 1,000 keys. */
  @Benchmark
  public void write(ThreadKeys keys) {
    byte[] value = keys.nextValue();
    kv.write("bench", "", keys.nextKey(1000), value);
  }
}
