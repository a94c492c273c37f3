package io.lnkv.bench;

import io.lnkv.KVStore;
import io.lnkv.PaginatedKVStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
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
 * What a store's size costs: the first page and a durable write of a new key in a namespace of N
 * keys ({@link Fixtures}, filled once per run), for N from 1,000 to 1,000,000. The store {@code
 * fs2-ldk} is the baseline for FilesystemStoreV2's pages: the same folder, paged as LDK's v2 does
 * (read the whole folder, the mtime of every file, sort, take the page), every page.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ScaleBenchmark {
  /** {@code sqlite}, {@code fs2}, or {@code fs2-ldk} (LDK's page over the fs2 fixture). */
  @Param({"sqlite", "fs2", "fs2-ldk"})
  public String store;

  /** Keys in the namespace. */
  @Param({"1000", "1000000"})
  public int keys;

  private KVStore kv;
  private Path scope;
  private long written;

  /** Opens the fixture; a first page, so that any order a store keeps in memory is built. */
  @Setup(Level.Trial)
  public void setUp() {
    boolean ldk = store.equals("fs2-ldk");
    String kind = ldk ? "fs2" : store;
    Path dir = Fixtures.of(Fixtures.root(), kind, keys);
    if (ldk) {
      scope = dir.resolve("fs2").resolve(Fixtures.NAMESPACE).resolve("[empty]");
      return;
    }
    kv = BenchStores.open(kind, dir, 8);
    firstPage();
  }

  /** Closes the store; the fixture stays for the next measurement. */
  @TearDown(Level.Trial)
  public void tearDown() {
    if (kv != null) {
      kv.close();
    }
  }

  /** The first page of the namespace (50 keys). */
  @Benchmark
  public Object firstPage() {
    if (kv == null) {
      return ldkFirstPage(scope);
    }
    return ((PaginatedKVStore) kv).listPaginated(Fixtures.NAMESPACE, "", null);
  }

  /** A durable write of a new 64-byte key in the namespace. */
  @Benchmark
  public void write() {
    kv.write(Fixtures.NAMESPACE, "", "new" + (written++) + "_" + System.nanoTime(), new byte[64]);
  }

  /** LDK v2's page: every entry of the folder, its mtime, a sort, the first 50. */
  static List<String> ldkFirstPage(Path folder) {
    record Entry(String name, long mtime) {}
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder)) {
      for (Path p : stream) {
        String name = p.getFileName().toString();
        if (name.endsWith(".tmp") || name.endsWith(".trash")) {
          continue;
        }
        BasicFileAttributes a =
            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isDirectory()) {
          continue;
        }
        entries.add(new Entry(name, a.lastModifiedTime().toMillis()));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    entries.sort(Comparator.comparingLong(Entry::mtime).thenComparing(Entry::name).reversed());
    List<String> page = new ArrayList<>(50);
    for (int i = 0; i < Math.min(50, entries.size()); i++) {
      page.add(entries.get(i).name());
    }
    return page;
  }
}
