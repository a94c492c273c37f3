package io.lnkv.vss.server;

import com.google.protobuf.ByteString;
import io.lnkv.vss.wire.KeyValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
 * The VSS server's SQLite storage alone, with as many local writers as benchmark threads, each
 * doing what the server does for a client's write: the throughput {@code lnkv serve}'s writes are
 * measured against. White-box (in the server's package, on the class path) because the storage's
 * operations are not API.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StorageBenchmark {
  private Path dir;
  private KeyVersionStorage storage;

  /** Opens the storage in a fresh temporary folder. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = io.lnkv.bench.BenchStores.tempDir();
    storage = SqlVssStorage.sqlite(dir.resolve("vss.sqlite"));
  }

  /** Closes the storage and deletes the folder. */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    storage.close();
    io.lnkv.bench.BenchStores.delete(dir);
  }

  /** A writer of its own store, as a server's client has. */
  @State(Scope.Thread)
  public static class Writer {
    private static final AtomicInteger WRITERS = new AtomicInteger();
    String store;
    int next;
    long globalVersion; // the store's, as a fenced client carries it
    final byte[] value = new byte[300]; // about what a 256-byte value is once encrypted

    /** Names the writer's store. */
    @Setup(Level.Trial)
    public void setUp() {
      store = "writer-" + WRITERS.incrementAndGet();
    }
  }

  /**
   * What the server does for one client's write: a put of one key, unconditional, carrying the
   * store's global_version (lnkv's writers fence by default), in one transaction.
   */
  @Benchmark
  public void write(Writer w) {
    w.value[0] = (byte) w.next;
    storage.put(
        "bench",
        w.store,
        w.globalVersion++,
        List.of(
            KeyValue.newBuilder()
                .setKey("k" + (w.next++ % 10))
                .setVersion(-1)
                .setValue(ByteString.copyFrom(w.value))
                .build()),
        List.of(),
        KeyVersionStorage.Quota.NONE);
  }
}
