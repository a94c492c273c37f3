package io.lnkv.testkit;

import io.lnkv.fs.FilesystemStoreV2;
import java.nio.file.Path;
import java.util.Optional;

/** QueuedStore over FilesystemStoreV2 passes the conformance suite. */
class QueuedFilesystemStoreV2ConformanceTest extends QueuedStoreConformance<FilesystemStoreV2> {
  @Override
  protected FilesystemStoreV2 backend(Path dir) {
    return FilesystemStoreV2.open(dir);
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  /** QueuedStore over FilesystemStoreV2, for the crash harness. */
  public static final class Target extends QueuedCrashTarget<FilesystemStoreV2> {
    @Override
    protected FilesystemStoreV2 backend(Path dir) {
      return FilesystemStoreV2.open(dir);
    }
  }
}
