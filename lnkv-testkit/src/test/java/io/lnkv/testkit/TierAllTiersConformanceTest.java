package io.lnkv.testkit;

import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.RoutingPolicy;
import io.lnkv.tier.TierStore;
import java.nio.file.Path;

/**
 * TierStore with all three tiers: FilesystemStoreV2 primary, FilesystemStore backup in SEMI_SYNC
 * mode with a retry journal, a FilesystemStore ephemeral tier, and a routing policy that also sends
 * the model test's {@code mc} namespace there (so its steps cross tiers). The crash runs use a
 * backup that fails a quarter of its writes, so that the retry journal is exercised while the child
 * is killed.
 */
class TierAllTiersConformanceTest extends KVStoreConformance<TierStore> {
  @Override
  protected TierStore open(Path dir) {
    return TierStore.builder(FilesystemStoreV2.open(dir.resolve("primary")))
        .backup(FilesystemStore.open(dir.resolve("backup")), BackupMode.SEMI_SYNC)
        .retryJournal(dir.resolve("retry.journal"))
        .ephemeral(FilesystemStore.open(dir.resolve("ephemeral")))
        .routing(RoutingPolicy.ldkDefault().withEphemeralNamespace("mc"))
        .build();
  }
}
