package io.lnkv.bench;

import io.lnkv.KVStore;
import io.lnkv.PaginatedKVStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Opening a store of N keys ({@link Fixtures}), in this JVM, without JMH: how long an open takes
 * (the median of five, after one to warm the page cache and the code), and how much heap the open
 * store holds once it has served a page of its largest namespace (for FilesystemStoreV2, that page
 * builds its in-memory order of the namespace).
 */
final class OpenAndHeap {
  /** Open time in milliseconds and retained heap in bytes. */
  record Figures(double openMillis, long heapBytes) {}

  private OpenAndHeap() {}

  static Figures measure(Path root, String store, int keys) {
    Path dir = Fixtures.of(root, store, keys);
    double[] millis = new double[5];
    open(store, dir).close();
    for (int i = 0; i < millis.length; i++) {
      long start = System.nanoTime();
      KVStore kv = open(store, dir);
      millis[i] = (System.nanoTime() - start) / 1e6;
      kv.close();
    }
    Arrays.sort(millis);
    long before = usedAfterGc();
    KVStore kv = open(store, dir);
    try {
      ((PaginatedKVStore) kv).listPaginated(Fixtures.NAMESPACE, "", null);
      long after = usedAfterGc();
      return new Figures(millis[millis.length / 2], Math.max(0, after - before));
    } finally {
      kv.close();
    }
  }

  private static KVStore open(String store, Path dir) {
    return BenchStores.open(store, dir, 8);
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
