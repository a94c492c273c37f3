package io.lnkv.testkit;

import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.tier.TierStore;
import java.nio.file.Path;

/**
 * TierStore with only a primary (FilesystemStoreV2): a pass-through that must keep the contract.
 */
class TierPrimaryOnlyConformanceTest extends KVStoreConformance<TierStore> {
  @Override
  protected TierStore open(Path dir) {
    return TierStore.builder(FilesystemStoreV2.open(dir.resolve("primary"))).build();
  }
}
