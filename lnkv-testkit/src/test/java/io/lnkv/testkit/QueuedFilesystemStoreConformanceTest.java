package io.lnkv.testkit;

import io.lnkv.fs.FilesystemStore;
import io.lnkv.queue.QueuedStore;
import java.nio.file.Path;
import java.util.Optional;

/**
 * QueuedStore over FilesystemStore passes the conformance suite, committing automatically after a
 * number of operations that differs from test to test (1 to 7), so that commits fall at arbitrary
 * points; close commits the rest.
 */
class QueuedFilesystemStoreConformanceTest extends KVStoreConformance<QueuedStore> {
  static int autoCommitEvery(Path dir) {
    return 1 + Math.floorMod(dir.toString().hashCode(), 7);
  }

  @Override
  protected QueuedStore open(Path dir) {
    return QueuedStore.builder(FilesystemStore.open(dir))
        .autoCommitOps(autoCommitEvery(dir))
        .build();
  }

  @Override
  protected boolean exactPageSizes() {
    return false;
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
