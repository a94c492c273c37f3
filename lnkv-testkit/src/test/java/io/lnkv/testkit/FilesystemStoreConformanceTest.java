package io.lnkv.testkit;

import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStore;
import java.nio.file.Path;
import java.util.Optional;

class FilesystemStoreConformanceTest extends FilesystemConformance<FilesystemStore> {
  @Override
  protected FilesystemStore open(Path dir) {
    return FilesystemStore.open(dir);
  }

  @Override
  Path fileOfBlockedKey(Path dir) {
    return dir.resolve("conf_primary").resolve("blocked");
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  /** Opens the store for the crash harness. */
  public static final class Target implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return FilesystemStore.open(dir);
    }
  }
}
