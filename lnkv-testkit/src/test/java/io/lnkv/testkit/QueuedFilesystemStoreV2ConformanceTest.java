package io.lnkv.testkit;

import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.queue.QueuedStore;
import java.nio.file.Path;
import java.util.Optional;

/**
 * QueuedStore over FilesystemStoreV2 passes the conformance suite, committing automatically after a
 * number of operations that differs from test to test (1 to 7), so that commits fall at arbitrary
 * points; close commits the rest.
 */
class QueuedFilesystemStoreV2ConformanceTest extends KVStoreConformance<QueuedStore> {
  static int autoCommitEvery(Path dir) {
    return 1 + Math.floorMod(dir.toString().hashCode(), 7);
  }

  @Override
  protected QueuedStore open(Path dir) {
    return QueuedStore.builder(FilesystemStoreV2.open(dir))
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

  /** QueuedStore over FilesystemStoreV2, for the crash harness. */
  public static final class Target extends QueuedCrashTarget<FilesystemStoreV2> {
    @Override
    protected FilesystemStoreV2 backend(Path dir) {
      return FilesystemStoreV2.open(dir);
    }
  }
}
