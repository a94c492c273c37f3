package io.lnkv.testkit;

import io.lnkv.memory.InMemoryStore;
import io.lnkv.queue.QueuedStore;
import java.nio.file.Path;

/**
 * QueuedStore over InMemoryStore passes the conformance suite, committing automatically after a
 * number of operations that differs from test to test (1 to 7), so that commits fall at arbitrary
 * points; close commits the rest.
 */
class QueuedInMemoryConformanceTest extends KVStoreConformance<QueuedStore> {
  static int autoCommitEvery(Path dir) {
    return 1 + Math.floorMod(dir.toString().hashCode(), 7);
  }

  @Override
  protected QueuedStore open(Path dir) {
    return QueuedStore.builder(InMemoryStore.create()).autoCommitOps(autoCommitEvery(dir)).build();
  }

  @Override
  protected boolean exactPageSizes() {
    return false;
  }

  @Override
  protected boolean persistent() {
    return false;
  }
}
