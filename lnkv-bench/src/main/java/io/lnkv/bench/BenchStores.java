package io.lnkv.bench;

import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.postgres.PostgresStore;
import io.lnkv.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** Opens the stores the benchmarks measure, each in a fresh temporary place. */
public final class BenchStores {
  private BenchStores() {}

  /** Whether a PostgreSQL server is configured (LNKV_PG_URL). */
  static boolean postgresAvailable() {
    String url = System.getenv("LNKV_PG_URL");
    return url != null && !url.isBlank();
  }

  static KVStore open(String kind, Path dir, int ioThreads) {
    return switch (kind) {
      case "fs" -> FilesystemStore.builder(dir.resolve("fs")).ioThreads(ioThreads).build();
      case "fs2" -> FilesystemStoreV2.builder(dir.resolve("fs2")).ioThreads(ioThreads).build();
      case "sqlite" ->
          SqliteStore.builder(dir.resolve("bench.sqlite")).ioThreads(ioThreads).build();
      case "postgres" ->
          PostgresStore.builder(System.getenv("LNKV_PG_URL"))
              .table("lnkv_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12))
              .ioThreads(ioThreads)
              .maxConnections(Math.max(4, ioThreads + 2))
              .build();
      default -> throw new IllegalArgumentException("unknown store kind " + kind);
    };
  }

  /**
   * Makes {@code value} differ from the last one written: SQLite skips rewriting a row whose bytes
   * did not change, so a constant value would measure no I/O at all.
   */
  static void stamp(byte[] value, int n) {
    value[0] = (byte) n;
    value[1] = (byte) (n >>> 8);
    value[2] = (byte) (n >>> 16);
  }

  /** A fresh temporary folder for one benchmark's files. */
  public static Path tempDir() throws IOException {
    return Files.createTempDirectory("lnkv-bench");
  }

  /** {@code lnkv serve} on a SQLite file in {@code dir}, any free loopback port, no auth. */
  public static io.lnkv.vss.server.VssServer vssServer(Path dir) {
    return io.lnkv.vss.server.VssServer.builder(
            io.lnkv.vss.server.VssStorage.sqlite(dir.resolve("vss.sqlite")))
        .port(0)
        .authorizer(io.lnkv.vss.server.Authorizer.none())
        .start();
  }

  /** Deletes {@code dir} and everything in it. */
  public static void delete(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
