package io.lnkv.testkit;

import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStoreV2;
import java.nio.file.Path;
import java.util.Optional;

class FilesystemStoreV2ConformanceTest extends FilesystemConformance<FilesystemStoreV2> {
  @Override
  protected FilesystemStoreV2 open(Path dir) {
    return FilesystemStoreV2.open(dir);
  }

  @Override
  Path fileOfBlockedKey(Path dir) {
    return dir.resolve("conf_primary").resolve("[empty]").resolve("blocked");
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  /** Opens the store for the crash harness. */
  public static final class Target implements CrashTarget {
    @Override
    public KVStore open(Path dir) {
      return FilesystemStoreV2.open(dir);
    }
  }
}
