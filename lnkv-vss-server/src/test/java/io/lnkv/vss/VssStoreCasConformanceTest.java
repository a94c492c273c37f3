package io.lnkv.vss;

import io.lnkv.testkit.KVStoreConformance;
import java.nio.file.Path;

/**
 * The conformance suite with compare-and-set writes and global_version fencing on: the same
 * contract, every write conditioned.
 */
class VssStoreCasConformanceTest extends KVStoreConformance<VssStore> {
  @Override
  protected VssStore open(Path dir) {
    return TestServers.client(TestServers.sqlite(), TestServers.storeIdFor(dir) + "cas")
        .writeMode(VssStore.WriteMode.COMPARE_AND_SET)
        .globalVersionFencing(true)
        .build();
  }

  /** A VSS put holds one item per key, so remove-then-write is sent as the write, in place. */
  @Override
  protected boolean batchesRecreateRemovedKeys() {
    return false;
  }
}
