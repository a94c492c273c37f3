package io.lnkv.testkit;

import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.TierStore;
import java.nio.file.Path;

/** TierStore with a FilesystemStore primary and a FilesystemStoreV2 backup, in SYNC mode. */
class TierBackupConformanceTest extends KVStoreConformance<TierStore> {
  @Override
  protected TierStore open(Path dir) {
    return TierStore.builder(FilesystemStore.open(dir.resolve("primary")))
        .backup(FilesystemStoreV2.open(dir.resolve("backup")), BackupMode.SYNC)
        .build();
  }
}
