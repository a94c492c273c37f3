package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.memory.InMemoryStore;
import java.nio.file.Path;
import java.util.Optional;

/** The fault-injecting wrapper, with no fault set, is a conforming store. */
class FaultInjectingStoreConformanceTest extends KVStoreConformance<FaultInjectingStore> {
  @Override
  protected FaultInjectingStore open(Path dir) {
    return FaultInjectingStore.wrap(InMemoryStore.builder().capacityBytes(1 << 24).build());
  }

  @Override
  protected boolean persistent() {
    return false;
  }

  @Override
  protected Optional<BatchOp> operationThatFailsInBatch() {
    return Optional.of(BatchOp.write("conf_primary", "", "huge", new byte[(1 << 24) + 1]));
  }
}
