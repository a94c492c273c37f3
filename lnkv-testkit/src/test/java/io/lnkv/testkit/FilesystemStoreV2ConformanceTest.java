package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStoreV2;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

class FilesystemStoreV2ConformanceTest extends KVStoreConformance<FilesystemStoreV2> {
  @Override
  protected FilesystemStoreV2 open(Path dir) {
    return FilesystemStoreV2.open(dir);
  }

  /** A folder where the key's file would go: found while the batch is prepared. */
  @Override
  protected Optional<BatchOp> operationThatFailsInBatch() {
    try {
      Files.createDirectories(blocked());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(BatchOp.write("conf_primary", "", "blocked", new byte[] {1}));
  }

  @Override
  protected void afterFailingBatch() {
    try {
      Files.delete(blocked());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path blocked() {
    return dir.resolve("conf_primary").resolve("[empty]").resolve("blocked");
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  @Override
  protected void assertClean(Path dir) throws IOException {
    FilesystemStoreConformanceTest.assertNoTemporaryFiles(dir);
  }

  /** Opens the store for the crash harness. */
  public static final class Target implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return FilesystemStoreV2.open(dir);
    }
  }
}
