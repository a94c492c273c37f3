package io.lnkv.vss;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.ScopedKey;
import io.lnkv.testkit.CrashTarget;
import io.lnkv.testkit.KVStoreConformance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The conformance suite: VssStore over real HTTP against lnkv serve on SQLite, including the crash
 * harness (the client process is killed; the server in this JVM keeps what it acknowledged, and
 * each restart takes over the dead client's writer lease).
 */
class VssStoreSqliteConformanceTest extends KVStoreConformance<VssStore> {
  private static final String URL_FILE = "vss-server-url";

  @Override
  protected VssStore open(Path dir) {
    return TestServers.client(TestServers.sqlite(), TestServers.storeIdFor(dir)).build();
  }

  /** A VSS put holds one item per key, so remove-then-write is sent as the write, in place. */
  @Override
  protected boolean batchesRecreateRemovedKeys() {
    return false;
  }

  /**
   * An item the server's database aborts while applying the put (a trigger on its VSS key), so the
   * server answers 500 after applying part of the request's statements.
   */
  @Override
  protected Optional<BatchOp> operationThatFailsInBatch() {
    ScopedKey poison = ScopedKey.of("conf_primary", "", "poison");
    String vssKey =
        new VssKeyLayout(
                new KeyObfuscator(TestServers.keys().obfuscationMasterKey()), store.schema())
            .vssKey(poison);
    sql(
        "CREATE TRIGGER IF NOT EXISTS fail_on_poison BEFORE INSERT ON vss_db WHEN NEW.key = '"
            + vssKey
            + "' BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
    return Optional.of(BatchOp.write(poison.primaryNamespace(), "", poison.key(), new byte[] {1}));
  }

  @Override
  protected void afterFailingBatch() {
    sql("DROP TRIGGER IF EXISTS fail_on_poison");
  }

  private static void sql(String statement) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + TestServers.sqliteFile());
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    try {
      Files.writeString(tempDir.resolve(URL_FILE), TestServers.sqlite().baseUrl().toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(Target.class);
  }

  /** Opens the store in the killed child: the server's URL is in a file above the folder. */
  public static final class Target implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
        Path file = p.resolve(URL_FILE);
        if (Files.isRegularFile(file)) {
          try {
            String url = Files.readString(file, StandardCharsets.UTF_8).strip();
            return VssStore.builder(url, TestServers.storeIdFor(dir))
                .keys(TestServers.keys())
                .build();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
      throw new IllegalStateException("no " + URL_FILE + " above " + dir);
    }
  }
}
