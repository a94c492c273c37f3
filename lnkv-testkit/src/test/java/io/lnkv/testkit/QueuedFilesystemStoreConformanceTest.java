package io.lnkv.testkit;

import io.lnkv.fs.FilesystemStore;
import java.nio.file.Path;
import java.util.Optional;

/** QueuedStore over FilesystemStore passes the conformance suite. */
class QueuedFilesystemStoreConformanceTest extends QueuedStoreConformance<FilesystemStore> {
  @Override
  protected FilesystemStore backend(Path dir) {
    return FilesystemStore.open(dir);
  }

  @Override
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.of(Target.class);
  }

  /** QueuedStore over FilesystemStore, for the crash harness. */
  public static final class Target extends QueuedCrashTarget<FilesystemStore> {
    @Override
    protected FilesystemStore backend(Path dir) {
      return FilesystemStore.open(dir);
    }
  }
}
