package io.lnkv.bench;

import io.lnkv.KVStore;
import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.queue.QueuedStore;
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

/** Committing 1,000 queued writes against 1,000 individual durable writes, per backend. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class QueuedCommitBenchmark {
  @Param({"sqlite", "fs", "fs2"})
  public String store;

  private Path dir;
  private KVStore kv;
  private QueuedStore queued;
  private final byte[] value = new byte[256];
  private int round;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    kv = BenchStores.open(store, dir, 8);
    queued = queue(kv);
  }

  @SuppressWarnings("unchecked")
  private static <S extends PaginatedKVStore & MigratableKVStore> QueuedStore queue(KVStore kv) {
    return QueuedStore.builder((S) kv).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    queued.close(); // closes kv too
    BenchStores.delete(dir);
  }

  @Benchmark
  public void commitOf1000Queued() {
    BenchStores.stamp(value, ++round);
    for (int i = 0; i < 1000; i++) {
      queued.write("bench", "", "k" + i, value);
    }
    queued.commit();
  }

  @Benchmark
  public void singles1000() {
    BenchStores.stamp(value, ++round);
    for (int i = 0; i < 1000; i++) {
      kv.write("bench", "", "k" + i, value);
    }
  }
}
