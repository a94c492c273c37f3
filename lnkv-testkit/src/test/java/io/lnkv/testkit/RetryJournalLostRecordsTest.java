package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.tier.BackupMode;
import io.lnkv.tier.TierStore;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retry journal's clears are appended unsynced. A crash, or a failed fdatasync, can then lose
 * one while a later, synced record reaches the disk: the file holds a stretch of zeros (or old
 * bytes) with whole records after it. That state was produced on a FUSE file system dropping
 * unsynced pages, and the next start refused the journal as damaged, so the node did not start
 * while both tiers held every acknowledged write. Now the stretch is skipped, and since which keys
 * it named is unknown, every durable key is brought level.
 */
class RetryJournalLostRecordsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path tmp;

  private FaultInjectingStore backup;

  private TierStore open() {
    FaultInjectingStore primary =
        FaultInjectingStore.wrap(FilesystemStore.open(tmp.resolve("primary")));
    backup = FaultInjectingStore.wrap(FilesystemStoreV2.open(tmp.resolve("backup")));
    return TierStore.builder(primary)
        .backup(backup, BackupMode.SEMI_SYNC)
        .retryJournal(journal())
        .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(40))
        .name("lost-records")
        .build();
  }

  private Path journal() {
    return tmp.resolve("node").resolve("backup.retry-journal");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A record of the journal: where it starts and ends, its tag and keys. */
  private record Entry(int start, int end, char tag, List<String> keys) {}

  private List<Entry> entries() throws Exception {
    byte[] file = Files.readAllBytes(journal());
    List<Entry> out = new ArrayList<>();
    int pos = 16; // the journal's name and generation
    while (pos + 4 <= file.length) {
      int length = ByteBuffer.wrap(file, pos, 4).getInt();
      int end = pos + 4 + length + 32;
      DataInputStream in =
          new DataInputStream(new ByteArrayInputStream(Arrays.copyOfRange(file, pos + 4, end)));
      int count = in.readInt();
      char tag = 0;
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        tag = (char) in.readUnsignedByte();
        keys.add(in.readUTF() + "/" + in.readUTF() + "/" + in.readUTF());
      }
      out.add(new Entry(pos, end, tag, keys));
      pos = end;
    }
    return out;
  }

  private Entry find(char tag, String key) throws Exception {
    return entries().stream()
        .filter(e -> e.tag() == tag && e.keys().contains(key))
        .findFirst()
        .orElseThrow();
  }

  /** What a lost page leaves: the record's bytes read back as zeros. */
  private void zero(Entry e) throws Exception {
    byte[] file = Files.readAllBytes(journal());
    Arrays.fill(file, e.start(), e.end(), (byte) 0);
    Files.write(journal(), file);
  }

  /**
   * k2's backup write fails, so it stays pending (k0 too, keeping the journal across the close); k1
   * and k3 are cleared. Returns with the journal as the closed TierStore left it.
   */
  private void leaveAJournal() throws Exception {
    try (TierStore tier = open()) {
      backup.failWhen(op -> op.key() != null && op.key().key().startsWith("k0"));
      tier.write("p", "", "k0", bytes("0"));
      tier.write("p", "", "k1", bytes("1"));
      backup.failWhen(
          op -> op.key() != null && (op.key().key().equals("k2") || op.key().key().equals("k0")));
      tier.write("p", "", "k2", bytes("2"));
      tier.write("p", "", "k3", bytes("3"));
    }
    assertThat(Files.exists(journal())).isTrue();
  }

  /**
   * Two TierStores given one journal would replay and compact it over each other (one clearing a
   * key the other still owes its backup): the second is refused, naming the holder, until the first
   * closes. Before, both opened.
   */
  @Test
  void twoTierStoresOnOneJournal_refuseEachOther() throws Exception {
    try (TierStore first = open()) {
      first.write("p", "", "k", bytes("1"));
      FaultInjectingStore otherPrimary =
          FaultInjectingStore.wrap(FilesystemStore.open(tmp.resolve("other-primary")));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  TierStore.builder(otherPrimary)
                      .backup(
                          FilesystemStoreV2.open(tmp.resolve("other-backup")), BackupMode.SEMI_SYNC)
                      .retryJournal(journal())
                      .build())
          .isInstanceOf(io.lnkv.StoreLockedException.class)
          .hasMessageContaining("retry journal");
    }
    open().close(); // released on close
  }

  @Test
  void aLostClear_followedByWholeRecords_doesNotKeepTheNodeFromStarting() throws Exception {
    leaveAJournal();
    zero(find('C', "p//k1"));
    try (TierStore tier = open()) {
      assertThat(tier.read("p", "", "k1")).containsExactly(bytes("1"));
      assertThat(tier.awaitBackup(WAIT)).isTrue();
      assertThat(tier.verify(io.lnkv.migrate.MigrationProgress.NONE).isClean()).isTrue();
    }
  }

  /**
   * A lost mark (the stretch's records are unknown) must not leave its key unlevelled: every
   * durable key is brought level.
   */
  @Test
  void aLostMark_stillBringsItsKeyLevel() throws Exception {
    leaveAJournal();
    zero(find('M', "p//k2"));
    try (TierStore tier = open()) {
      assertThat(tier.awaitBackup(WAIT)).isTrue();
      assertThat(backup.read("p", "", "k2")).containsExactly(bytes("2"));
      assertThat(backup.read("p", "", "k0")).containsExactly(bytes("0"));
      assertThat(tier.verify(io.lnkv.migrate.MigrationProgress.NONE).isClean()).isTrue();
    }
    // the damaged bytes are gone: the journal was rewritten, and the next open reads it cleanly
    assertThat(Files.exists(journal())).isFalse();
    open().close();
  }
}
