package io.lnkv.bench;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

/** 1,000 writes as one atomic batch against 1,000 single durable writes. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BatchBenchmark {
  /** The store under test (a {@code BenchStores} name). */
  @Param({"sqlite"})
  public String store;

  private Path dir;
  private KVStore kv;
  private List<BatchOp> batch;
  private final byte[] value = new byte[256];

  /** Opens the store in a fresh temporary folder and builds the batch. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    kv = BenchStores.open(store, dir, 8);
    batch = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      batch.add(BatchOp.write("bench", "", "k" + i, value));
    }
  }

  /** Closes the store and deletes the folder. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    kv.close();
    BenchStores.delete(dir);
  }

  private int round;

  /** 1,000 writes as one atomic batch. */
  @Benchmark
  public void batchOf1000() {
    BenchStores.stamp(value, ++round); // every write in the batch shares the array
    kv.writeBatch(batch);
  }

  /** The same 1,000 writes, each durable on its own. */
  @Benchmark
  public void singles1000() {
    BenchStores.stamp(value, ++round);
    for (int i = 0; i < 1000; i++) {
      kv.write("bench", "", "k" + i, value);
    }
  }
}
