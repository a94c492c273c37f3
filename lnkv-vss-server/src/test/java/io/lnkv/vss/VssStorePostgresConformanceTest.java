package io.lnkv.vss;

import io.lnkv.testkit.KVStoreConformance;
import java.nio.file.Path;

/** The conformance suite: VssStore over real HTTP against lnkv serve on PostgreSQL. */
class VssStorePostgresConformanceTest extends KVStoreConformance<VssStore> {
  @Override
  protected VssStore open(Path dir) {
    return TestServers.client(TestServers.postgres(), TestServers.storeIdFor(dir)).build();
  }

  /** A VSS put holds one item per key, so remove-then-write is sent as the write, in place. */
  @Override
  protected boolean batchesRecreateRemovedKeys() {
    return false;
  }
}
