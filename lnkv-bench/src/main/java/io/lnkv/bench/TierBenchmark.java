package io.lnkv.bench;

import io.lnkv.KVStore;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.TierStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
 * One durable write through a TierStore whose primary takes 20 ms and whose backup takes 5 ms per
 * write (injected latency): {@code primary} has no backup (the baseline), {@code sync} and {@code
 * semi_sync} write both tiers in parallel, {@code sequential} writes the primary and then the
 * backup directly (what parallel writes save).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TierBenchmark {
  static final Duration PRIMARY_LATENCY = Duration.ofMillis(20);
  static final Duration BACKUP_LATENCY = Duration.ofMillis(5);

  @Param({"primary", "sync", "semi_sync", "sequential"})
  public String setup;

  private Path dir;
  private KVStore primary;
  private KVStore backup;
  private KVStore tier;
  private final byte[] value = new byte[256];
  private int round;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = BenchStores.tempDir();
    SlowStore p = new SlowStore(PRIMARY_LATENCY);
    SlowStore b = new SlowStore(BACKUP_LATENCY);
    primary = p;
    backup = b;
    tier =
        switch (setup) {
          case "primary", "sequential" -> TierStore.builder(p).closeTiers(false).build();
          case "sync" -> TierStore.builder(p).backup(b, BackupMode.SYNC).closeTiers(false).build();
          case "semi_sync" ->
              TierStore.builder(p)
                  .backup(b, BackupMode.SEMI_SYNC)
                  .retryJournal(dir.resolve("retry.journal"))
                  .closeTiers(false)
                  .build();
          default -> throw new IllegalArgumentException(setup);
        };
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    tier.close();
    primary.close();
    backup.close();
    BenchStores.delete(dir);
  }

  @Benchmark
  public void write() {
    BenchStores.stamp(value, ++round);
    if (setup.equals("sequential")) {
      primary.write("bench", "", "k", value);
      backup.write("bench", "", "k", value);
    } else {
      tier.write("bench", "", "k", value);
    }
  }
}
