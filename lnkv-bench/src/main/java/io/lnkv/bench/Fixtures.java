package io.lnkv.bench;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores filled once per {@code lnkv bench} run and reused by every measurement at scale: the
 * namespace {@value #NAMESPACE} holding N keys of 64 bytes, written in batches. Their folder is
 * passed to the forked benchmark JVMs in the system property {@value #PROPERTY}.
 */
final class Fixtures {
  static final String PROPERTY = "lnkv.bench.fixtures";
  static final String NAMESPACE = "payments";
  private static final int CHUNK = 5_000;

  private Fixtures() {}

  /** Where the fixture of {@code store} with {@code keys} keys lives under {@code root}. */
  static Path of(Path root, String store, int keys) {
    return root.resolve(store + "-" + keys);
  }

  /** The fixture folder set for this JVM by {@link #PROPERTY}. */
  static Path root() {
    String root = System.getProperty(PROPERTY);
    if (root == null) {
      throw new IllegalStateException(
          "no fixtures: run the scale benchmarks through BenchMain (" + PROPERTY + " unset)");
    }
    return Path.of(root);
  }

  /** Fills a fresh store of kind {@code store} with {@code keys} keys in {@link #NAMESPACE}. */
  static void fill(Path root, String store, int keys) throws IOException {
    Path dir = of(root, store, keys);
    Files.createDirectories(dir);
    byte[] value = new byte[64];
    try (KVStore kv = BenchStores.open(store, dir, 8)) {
      List<BatchOp> chunk = new ArrayList<>(CHUNK);
      for (int i = 0; i < keys; i++) {
        chunk.add(BatchOp.write(NAMESPACE, "", String.format("payment%07d", i), value));
        if (chunk.size() == CHUNK || i == keys - 1) {
          kv.writeBatch(chunk);
          chunk.clear();
        }
      }
    }
  }
}
