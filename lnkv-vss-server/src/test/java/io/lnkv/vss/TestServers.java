package io.lnkv.vss;

import io.lnkv.vss.server.Authorizer;
import io.lnkv.vss.server.VssServer;
import io.lnkv.vss.server.VssStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Real {@code lnkv serve} servers on 127.0.0.1 for the tests, one per storage, started on first use
 * and shared by the test classes of one JVM (each test uses its own store id).
 */
final class TestServers {
  private static VssServer sqlite;
  private static Path sqliteFile;
  private static VssServer postgres;

  private TestServers() {}

  static synchronized VssServer sqlite() {
    if (sqlite == null) {
      try {
        Path dir = Files.createTempDirectory("lnkv-vss-test");
        sqliteFile = dir.resolve("vss.sqlite");
        sqlite = start(VssStorage.sqlite(sqliteFile));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return sqlite;
  }

  /** The database file of {@link #sqlite()}. */
  static synchronized Path sqliteFile() {
    sqlite();
    return sqliteFile;
  }

  static synchronized VssServer postgres() {
    String url = io.lnkv.testkit.TestPostgres.url();
    if (postgres == null) {
      postgres = start(VssStorage.postgres(url));
    }
    return postgres;
  }

  private static VssServer start(VssStorage storage) {
    VssServer server = VssServer.builder(storage).port(0).authorizer(Authorizer.none()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    return server;
  }

  /** Keys from a fixed test seed. */
  static VssKeys keys() {
    byte[] seed = new byte[64];
    Arrays.fill(seed, (byte) 7);
    return VssKeys.fromNodeSeed(seed);
  }

  /** A store id that is the same for the same folder, so that reopening finds the data. */
  static String storeIdFor(Path dir) {
    return "t"
        + Integer.toHexString(dir.toAbsolutePath().toString().hashCode()).toLowerCase(Locale.ROOT);
  }

  /** A client builder with a short retry budget, so that failures show quickly. */
  static VssStore.Builder client(VssServer server, String storeId) {
    return VssStore.builder(server.baseUrl().toString(), storeId)
        .keys(keys())
        .retries(5, Duration.ofSeconds(5));
  }
}
