package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.memory.InMemoryStore;
import java.nio.file.Path;
import java.util.Optional;

class InMemoryStoreConformanceTest extends KVStoreConformance<InMemoryStore> {
  private static final long CAPACITY = 16L * 1024 * 1024;

  @Override
  protected InMemoryStore open(Path dir) {
    return InMemoryStore.builder().capacityBytes(CAPACITY).build();
  }

  @Override
  protected boolean persistent() {
    return false;
  }

  @Override
  protected Optional<BatchOp> operationThatFailsInBatch() {
    // Over the capacity: refused while the batch is applied, after the earlier operations.
    return Optional.of(BatchOp.write("conf_primary", "", "huge", new byte[(int) CAPACITY + 1]));
  }
}
