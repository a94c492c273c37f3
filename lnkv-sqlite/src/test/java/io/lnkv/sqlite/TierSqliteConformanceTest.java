package io.lnkv.sqlite;

import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.testkit.KVStoreConformance;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.TierStore;
import java.nio.file.Path;

/**
 * TierStore with a SqliteStore primary (ldk-node's file and table), a FilesystemStoreV2 backup in
 * ASYNC mode and an in-memory ephemeral tier for LDK's caches.
 */
class TierSqliteConformanceTest extends KVStoreConformance<TierStore> {
  @Override
  protected TierStore open(Path dir) {
    return TierStore.builder(
            SqliteStore.builder(dir.resolve(SqliteStore.LDK_NODE_DB_FILE_NAME))
                .table(SqliteStore.LDK_NODE_TABLE_NAME)
                .build())
        .backup(FilesystemStoreV2.open(dir.resolve("backup")), BackupMode.ASYNC)
        .ephemeral(InMemoryStore.create())
        .build();
  }
}
