package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

class FilesystemStoreConformanceTest extends KVStoreConformance<FilesystemStore> {
  @Override
  protected FilesystemStore open(Path dir) {
    return FilesystemStore.open(dir);
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
