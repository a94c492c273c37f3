package io.lnkv.vss.server;

import com.google.protobuf.ByteString;
import io.lnkv.vss.wire.KeyValue;
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

/**
 * A put under a per-user quota, by how much the user already holds: the quota check must cost the
 * same for a user of 100,000 keys as for one of 10 (it used to sum every row of the user inside the
 * put's transaction). The VSS server's SQLite storage, white-box as {@link StorageBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class QuotaBenchmark {
  private static final KeyVersionStorage.Quota QUOTA =
      new KeyVersionStorage.Quota(Long.MAX_VALUE - 1, Long.MAX_VALUE - 1, 1_000);

  /** How many keys the user holds before the measured puts. */
  @Param({"10", "100000"})
  public int userKeys;

  private Path dir;
  private KeyVersionStorage storage;
  private final byte[] value = new byte[300];
  private int next;

  /** Fills the user's store in puts of 1,000 keys. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = io.lnkv.bench.BenchStores.tempDir();
    storage = SqlVssStorage.sqlite(dir.resolve("vss.sqlite"));
    for (int from = 0; from < userKeys; from += 1_000) {
      List<KeyValue> items = new ArrayList<>();
      for (int i = from; i < Math.min(userKeys, from + 1_000); i++) {
        items.add(item("held-" + i, 0));
      }
      storage.put("user", "held", null, items, List.of(), KeyVersionStorage.Quota.NONE);
    }
  }

  private KeyValue item(String key, long version) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setVersion(version)
        .setValue(ByteString.copyFrom(value))
        .build();
  }

  /** Closes the storage and deletes the folder. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    storage.close();
    io.lnkv.bench.BenchStores.delete(dir);
  }

  /** One unconditional put of one of 10 keys, checked against the quota. */
  @Benchmark
  public void put() {
    storage.put("user", "writes", null, List.of(item("k" + (next++ % 10), -1)), List.of(), QUOTA);
  }
}
