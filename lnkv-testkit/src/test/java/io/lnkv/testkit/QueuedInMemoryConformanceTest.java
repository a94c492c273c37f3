package io.lnkv.testkit;

import io.lnkv.memory.InMemoryStore;
import java.nio.file.Path;

/** QueuedStore over InMemoryStore passes the conformance suite. */
class QueuedInMemoryConformanceTest extends QueuedStoreConformance<InMemoryStore> {
  @Override
  protected InMemoryStore backend(Path dir) {
    return InMemoryStore.create();
  }

  @Override
  protected boolean persistent() {
    return false;
  }
}
