package io.lnkv.bench;

import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.vss.VssKeys;
import io.lnkv.vss.VssStore;
import io.lnkv.vss.server.Authorizer;
import io.lnkv.vss.server.VssServer;
import io.lnkv.vss.server.VssStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
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
 * VssStore against {@code lnkv serve} over loopback HTTP, both in this JVM: durable writes and
 * reads of 256-byte values (each encrypted, each key obfuscated), and the read of an absent key —
 * one round trip with no value to decrypt — as the protocol's floor. Run with 1 and 8 threads.
 * Writes go to a store with {@code global_version} fencing (the default) and, for its cost, to one
 * without ({@code writeUnfenced}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VssBenchmark {
  @Param({"sqlite"})
  public String storage;

  private Path dir;
  private VssServer server;
  private KVStore kv;
  private KVStore unfenced;
  private static final int KEYS_PER_THREAD = 100;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    VssStorage backend =
        storage.equals("postgres")
            ? VssStorage.postgres(System.getenv("LNKV_PG_URL"))
            : VssStorage.sqlite(dir.resolve("vss.sqlite"));
    server = VssServer.builder(backend).port(0).authorizer(Authorizer.none()).start();
    byte[] seed = new byte[64];
    Arrays.fill(seed, (byte) 3);
    kv =
        VssStore.builder(server.baseUrl().toString(), "bench-" + System.nanoTime())
            .keys(VssKeys.fromNodeSeed(seed))
            .ioThreads(8)
            .build();
    unfenced =
        VssStore.builder(server.baseUrl().toString(), "bench-unfenced-" + System.nanoTime())
            .keys(VssKeys.fromNodeSeed(seed))
            .globalVersionFencing(false)
            .ioThreads(8)
            .build();
    byte[] value = new byte[256];
    for (int t = 1; t <= 8; t++) { // the keys of ThreadKeys' threads 1 to 8, for the reads
      for (int k = 0; k < KEYS_PER_THREAD; k++) {
        kv.write("bench", "", "t" + t + "_" + k, value);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    kv.close();
    unfenced.close();
    server.close();
    BenchStores.delete(dir);
  }

  @Benchmark
  public void write(ThreadKeys keys) {
    byte[] value = keys.nextValue();
    kv.write("bench", "", keys.nextKey(KEYS_PER_THREAD), value);
  }

  /** The same write to a store without fencing: what fencing costs. */
  @Benchmark
  public void writeUnfenced(ThreadKeys keys) {
    byte[] value = keys.nextValue();
    unfenced.write("bench", "", keys.nextKey(KEYS_PER_THREAD), value);
  }

  @Benchmark
  public byte[] read(ThreadKeys keys) {
    return kv.read("bench", "", keys.nextKey(KEYS_PER_THREAD));
  }

  @Benchmark
  public boolean readAbsent(ThreadKeys keys) {
    try {
      kv.read("bench", "", "absent" + keys.nextKey(KEYS_PER_THREAD));
      return true;
    } catch (KeyNotFoundException e) {
      return false;
    }
  }
}
