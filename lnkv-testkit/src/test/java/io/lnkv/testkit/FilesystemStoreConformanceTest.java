package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

class FilesystemStoreConformanceTest extends KVStoreConformance<FilesystemStore> {
  @Override
  protected FilesystemStore open(Path dir) {
    return FilesystemStore.open(dir);
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
    return dir.resolve("conf_primary").resolve("blocked");
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  @Override
  protected void assertClean(Path dir) throws IOException {
    assertNoTemporaryFiles(dir);
  }

  static void assertNoTemporaryFiles(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      assertThat(walk.map(Path::toString).filter(n -> n.endsWith(".tmp") || n.endsWith(".trash")))
          .as("temporary files left in %s", dir)
          .isEmpty();
    }
  }

  /** Opens the store for the crash harness. */
  public static final class Target implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return FilesystemStore.open(dir);
    }
  }
}
