package io.lnkv.bench;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.Page;
import io.lnkv.PaginatedKVStore;
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

/** The first page of a namespace holding 1,000 or 100,000 keys: served from the index. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FirstPageBenchmark {
  @Param({"sqlite"})
  public String store;

  @Param({"1000", "100000"})
  public int keys;

  private Path dir;
  private KVStore kv;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    kv = BenchStores.open(store, dir, 8);
    byte[] value = new byte[64];
    List<BatchOp> chunk = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      chunk.add(BatchOp.write("payments", "", String.format("payment%07d", i), value));
      if (chunk.size() == 5000) {
        kv.writeBatch(chunk);
        chunk.clear();
      }
    }
    if (!chunk.isEmpty()) {
      kv.writeBatch(chunk);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    kv.close();
    BenchStores.delete(dir);
  }

  @Benchmark
  public Page firstPage() {
    return ((PaginatedKVStore) kv).listPaginated("payments", "", null);
  }
}
