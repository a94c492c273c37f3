package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the suite needs to know of a filesystem store: no temporary file may outlive a test, and a
 * folder in the way of a key's file makes a batch fail while it is prepared.
 */
abstract class FilesystemConformance<S extends KVStore> extends KVStoreConformance<S> {
  /** Where this layout keeps {@code conf_primary//blocked}. */
  abstract Path fileOfBlockedKey(Path dir);

  @Override
  protected Optional<BatchOp> operationThatFailsInBatch() {
    try {
      Files.createDirectories(fileOfBlockedKey(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(BatchOp.write("conf_primary", "", "blocked", new byte[] {1}));
  }

  @Override
  protected void afterFailingBatch() {
    try {
      Files.delete(fileOfBlockedKey(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected void assertClean(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      assertThat(walk.map(Path::toString).filter(n -> n.endsWith(".tmp") || n.endsWith(".trash")))
          .as("temporary files left in %s", dir)
          .isEmpty();
    }
  }
}
