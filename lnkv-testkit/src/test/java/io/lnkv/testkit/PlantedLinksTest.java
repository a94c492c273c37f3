package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.BatchOp;
import io.lnkv.UnsafeFileException;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.TierStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Someone who can write a store's parent folder plants a link where lnkv writes its logs. Before,
 * the commit log and the retry journal were opened with CREATE and followed it: a batch's keys and
 * values went into the attacker's file, a missing target was created, an empty victim got a header.
 * Now every such name is refused, naming it, and nothing is written anywhere.
 */
class PlantedLinksTest {
  @TempDir Path tmp;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void batchInto(Path storeDir) {
    try (FilesystemStoreV2 store = FilesystemStoreV2.open(storeDir)) {
      store.writeBatch(List.of(BatchOp.write("p", "", "k", bytes("channel state"))));
    }
  }

  @Test
  void aSymlinkAtTheCommitLog_toAnAttackersFile_isRefused_andTheFileStaysEmpty() throws Exception {
    Path store = tmp.resolve("store");
    FilesystemStoreV2.open(store).close();
    Path victim = Files.createFile(tmp.resolve("attacker-owned"));
    Files.createSymbolicLink(tmp.resolve(".store.lnkv-journal"), victim);
    assertThatThrownBy(() -> batchInto(store))
        .isInstanceOf(UnsafeFileException.class)
        .hasMessageContaining(".store.lnkv-journal")
        .hasMessageContaining("symbolic link");
    assertThat(Files.size(victim)).isZero();
  }

  @Test
  void aSymlinkAtTheCommitLog_toNothing_createsNothing() throws Exception {
    Path store = tmp.resolve("store");
    FilesystemStoreV2.open(store).close();
    Path missing = tmp.resolve("elsewhere").resolve("created-by-lnkv");
    Files.createDirectories(missing.getParent());
    Files.createSymbolicLink(tmp.resolve(".store.lnkv-journal"), missing);
    assertThatThrownBy(() -> batchInto(store)).isInstanceOf(UnsafeFileException.class);
    assertThat(Files.exists(missing)).isFalse();
  }

  @Test
  void aSymlinkAtTheRetryJournal_isRefused_andNothingIsWritten() throws Exception {
    Path node = Files.createDirectories(tmp.resolve("node"));
    Path victim = Files.createFile(tmp.resolve("attacker-owned"));
    Files.createSymbolicLink(node.resolve("backup.retry-journal"), victim);
    InMemoryStore primary = InMemoryStore.create();
    assertThatThrownBy(
            () ->
                TierStore.builder(primary)
                    .backup(InMemoryStore.create(), BackupMode.SEMI_SYNC)
                    .retryJournal(node.resolve("backup.retry-journal"))
                    .build()
                    .write("p", "", "k", bytes("v")))
        .isInstanceOf(UnsafeFileException.class)
        .hasMessageContaining("backup.retry-journal");
    assertThat(Files.size(victim)).isZero();
  }

  @Test
  void aHardLinkAtTheRetryJournal_isRefused_beforeAnythingIsWritten() throws Exception {
    Path node = Files.createDirectories(tmp.resolve("node"));
    Path victim = tmp.resolve("victim");
    Files.write(victim, new byte[0]);
    Files.createLink(node.resolve("backup.retry-journal"), victim);
    InMemoryStore primary = InMemoryStore.create();
    FaultInjectingStore backup = FaultInjectingStore.wrap(InMemoryStore.create()).failAll();
    assertThatThrownBy(
            () -> {
              try (TierStore tier =
                  TierStore.builder(primary)
                      .backup(backup, BackupMode.SEMI_SYNC)
                      .retryJournal(node.resolve("backup.retry-journal"))
                      .build()) {
                tier.write("p", "", "k", bytes("v"));
              }
            })
        .hasMessageContaining("hard links");
    assertThat(Files.size(victim)).isZero();
  }
}
