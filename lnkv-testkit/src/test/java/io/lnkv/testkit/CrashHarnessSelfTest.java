package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.spi.AbstractKVStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The crash harness catches stores that tear values or lose acknowledged writes. */
class CrashHarnessSelfTest {
  @TempDir Path tmp;

  @Test
  void harness_detectsTornValues() {
    assertThatThrownBy(() -> new CrashHarness(TearingTarget.class, tmp.resolve("s"), 1).run(40))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("torn or foreign");
  }

  @Test
  void harness_detectsLostAcknowledgedWrites() {
    assertThatThrownBy(() -> new CrashHarness(LyingTarget.class, tmp.resolve("s"), 2).run(40))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("matches neither")
        .hasMessageContaining("holds no value where step");
  }

  @Test
  void harness_detectsTornBatches() {
    assertThatThrownBy(
            () -> new CrashHarness(TearingBatchTarget.class, tmp.resolve("s"), 3).batches().run(40))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("matches neither");
  }

  /** Claims atomic batches but applies them one write at a time: a kill tears a batch. */
  /**
   * What a killed child leaves in its temporary folder goes with the run: sqlite-jdbc extracts its
   * native library (1 MB) into the temporary folder of every JVM and removes it only at a normal
   * exit, so each SIGKILLed child that opened SQLite used to leave one in the machine's /tmp (100
   * from the SQLite store's crash tests alone), run after run on a machine that CI reuses.
   */
  @Test
  void whatKilledChildrenLeaveInTheirTemporaryFolder_isRemovedWithTheRun() throws Exception {
    Path machineTemp = Path.of(System.getProperty("java.io.tmpdir"));
    new CrashHarness(LitteringTarget.class, tmp.resolve("s"), 4).run(5);
    try (var left = Files.list(machineTemp)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("files the killed children made in " + machineTemp)
          .noneMatch(name -> name.startsWith(LitteringTarget.PREFIX));
    }
  }

  /**
   * A filesystem store whose child process leaves a file in its temporary folder, as sqlite-jdbc.
   */
  public static final class LitteringTarget implements CrashTarget {
    static final String PREFIX = "lnkv-crash-selftest-";

    @Override
    public KVStore open(Path dir) {
      if (System.getProperty("sun.java.command", "").contains(CrashChild.class.getName())) {
        try {
          Path library = Files.createTempFile(PREFIX + ProcessHandle.current().pid() + "-", ".so");
          library.toFile().deleteOnExit(); // never, for a killed process
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return io.lnkv.fs.FilesystemStoreV2.open(dir);
    }
  }

  public static final class TearingBatchTarget implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return new BrokenStore(dir, false);
    }

    @Override
    public void commitBatch(KVStore store, List<BatchOp> operations) {
      for (BatchOp op : operations) {
        if (op instanceof BatchOp.Write w) {
          store.write(
              op.key().primaryNamespace(),
              op.key().secondaryNamespace(),
              op.key().key(),
              w.value());
        } else {
          store.remove(
              op.key().primaryNamespace(), op.key().secondaryNamespace(), op.key().key(), false);
        }
      }
    }
  }

  /** Writes in place, in small slow chunks: a kill mid-write leaves a torn file. */
  public static final class TearingTarget implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return new BrokenStore(dir, false);
    }
  }

  /** Acknowledges before writing, then writes later: a kill loses acknowledged writes. */
  public static final class LyingTarget implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return new BrokenStore(dir, true);
    }
  }

  private static final class BrokenStore extends AbstractKVStore {
    private final Path dir;
    private final boolean lie;
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();

    BrokenStore(Path dir, boolean lie) {
      super("BrokenStore", new Settings());
      this.dir = dir;
      this.lie = lie;
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    }

    private Path file(ScopedKey key) {
      return dir.resolve(key.key());
    }

    @Override
    protected byte[] doRead(ScopedKey key) throws IOException {
      try {
        return Files.readAllBytes(file(key));
      } catch (NoSuchFileException e) {
        return null;
      }
    }

    @Override
    protected void doWrite(ScopedKey key, byte[] value) throws IOException {
      if (lie) {
        later.schedule(() -> writeInPlace(file(key), value), 200, TimeUnit.MILLISECONDS);
      } else {
        writeInPlace(file(key), value);
      }
    }

    private static Void writeInPlace(Path file, byte[] value) throws IOException {
      try (OutputStream out = Files.newOutputStream(file)) {
        for (int off = 0; off < value.length; off += 2048) {
          out.write(value, off, Math.min(2048, value.length - off));
          out.flush();
          Thread.onSpinWait();
          try {
            Thread.sleep(0, 200_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      return null;
    }

    @Override
    protected void doRemove(ScopedKey key, boolean lazy) throws IOException {
      Files.deleteIfExists(file(key));
    }

    @Override
    protected List<String> doList(String primary, String secondary) {
      throw new UnsupportedOperationException();
    }

    @Override
    protected Page doListPaginated(String p, String s, PageToken token, int pageSize) {
      throw new UnsupportedOperationException();
    }

    @Override
    protected List<ScopedKey> doListAllKeys() {
      throw new UnsupportedOperationException();
    }

    @Override
    protected void doClose() {
      later.shutdownNow();
    }
  }

  private static final class Settings extends AbstractKVStore.Builder<Settings> {
    @Override
    protected Settings self() {
      return this;
    }
  }
}
