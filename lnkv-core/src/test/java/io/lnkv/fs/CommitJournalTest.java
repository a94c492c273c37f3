package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.BatchOp;
import io.lnkv.CorruptedDataException;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The filesystem stores' commit journal, seen from outside: a crash is simulated by copying the
 * folder and its journal while the store is open (what a kill leaves when the page cache reached
 * the disk) or by pairing an older copy of the folder with the journal (when it did not).
 */
class CommitJournalTest {
  @TempDir Path tmp;

  static Stream<Arguments> stores() {
    Function<Path, KVStore> v1 = FilesystemStore::open;
    Function<Path, KVStore> v2 = FilesystemStoreV2::open;
    return Stream.of(Arguments.of("v1", v1), Arguments.of("v2", v2));
  }

  private static Path journalOf(Path folder) {
    return folder.resolveSibling("." + folder.getFileName() + ".lnkv-journal");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String read(KVStore store, String key) {
    return new String(store.read("p", "s", key), StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aBatchOnlyInTheJournal_isReplayedOnOpen(String name, Function<Path, KVStore> open)
      throws IOException {
    Path before =
        crashAfterBatches(
            open,
            store -> {
              store.write("p", "s", "old", bytes("kept"));
              store.write("p", "s", "gone", bytes("removed by the batch"));
            },
            List.of(
                BatchOp.write("p", "s", "a", bytes("1")),
                BatchOp.remove("p", "s", "gone"),
                BatchOp.write("p", "s", "b", bytes("2"))),
            List.of(BatchOp.write("p", "s", "a", bytes("3"))));
    assertThat(journalOf(tmp.resolve("s"))).as("a closed store leaves no journal").doesNotExist();
    try (KVStore replayed = open.apply(before)) {
      assertThat(read(replayed, "a")).isEqualTo("3");
      assertThat(read(replayed, "b")).isEqualTo("2");
      assertThat(read(replayed, "old")).isEqualTo("kept");
      assertThatThrownBy(() -> replayed.read("p", "s", "gone"))
          .isInstanceOf(KeyNotFoundException.class);
      assertThat(replayed.list("p", "s")).containsExactlyInAnyOrder("old", "a", "b");
      // creation order comes from the journal: a before b, both after old
      assertThat(((io.lnkv.PaginatedKVStore) replayed).listPaginated("p", "s", null).keys())
          .containsExactly("b", "a", "old");
    }
    assertThat(journalOf(before)).as("replayed, synced and deleted").doesNotExist();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aSingleWriteAfterABatch_isNeverUndoneByTheReplay(String name, Function<Path, KVStore> open)
      throws IOException {
    Path folder = tmp.resolve("s");
    Path crashed = tmp.resolve("c");
    try (KVStore store = open.apply(folder)) {
      store.writeBatch(
          List.of(
              BatchOp.write("p", "s", "a", bytes("batch")),
              BatchOp.write("p", "s", "b", bytes("b"))));
      store.write("p", "s", "a", bytes("single, newer"));
      store.writeBatch(List.of(BatchOp.write("p", "s", "c", bytes("c"))));
      store.remove("p", "s", "c", false);
      copyFolder(folder, crashed);
      if (Files.exists(journalOf(folder))) {
        Files.copy(journalOf(folder), journalOf(crashed));
      }
    }
    try (KVStore reopened = open.apply(crashed)) {
      assertThat(read(reopened, "a")).isEqualTo("single, newer");
      assertThat(read(reopened, "b")).isEqualTo("b");
      assertThatThrownBy(() -> reopened.read("p", "s", "c"))
          .isInstanceOf(KeyNotFoundException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aTornLastRecord_isDropped_andEarlierBatchesStay(String name, Function<Path, KVStore> open)
      throws IOException {
    Path crashed =
        crashAfterBatches(
            open, store -> {}, List.of(BatchOp.write("p", "s", "a", bytes("acknowledged"))));
    byte[] journal = Files.readAllBytes(journalOf(crashed));
    // the next record cut short: its length says 500 bytes, 7 of them arrived
    Files.write(
        journalOf(crashed),
        new byte[] {0, 0, 1, (byte) 0xf4, 0, 0, 0, 1, 'W', 0, 1},
        StandardOpenOption.APPEND);
    try (KVStore reopened = open.apply(crashed)) {
      assertThat(read(reopened, "a")).isEqualTo("acknowledged");
      assertThat(reopened.list("p", "s")).containsExactly("a");
    }
    assertThat(journal.length).isGreaterThan(8);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aDamagedRecordFollowedByMore_refusesToOpen(String name, Function<Path, KVStore> open)
      throws IOException {
    Path crashed =
        crashAfterBatches(
            open,
            store -> {},
            List.of(BatchOp.write("p", "s", "a", bytes("first"))),
            List.of(BatchOp.write("p", "s", "b", bytes("second"))));
    byte[] journal = Files.readAllBytes(journalOf(crashed));
    journal[8 + 4 + 6] ^= 0x55; // inside the first record's body
    Files.write(journalOf(crashed), journal);
    assertThatThrownBy(() -> open.apply(crashed))
        .isInstanceOf(CorruptedDataException.class)
        .hasMessageContaining(journalOf(crashed).toString())
        .hasMessageContaining("keep a copy");
    assertThat(journalOf(crashed)).as("kept for the operator").exists();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void theJournalIsCheckpointed_onceItOutgrowsItsLimit(String name, Function<Path, KVStore> open)
      throws IOException {
    Path folder = tmp.resolve("s");
    byte[] mib = new byte[1 << 20];
    int values = (int) (AbstractFilesystemStore.CHECKPOINT_JOURNAL_BYTES >> 20) + 1;
    try (KVStore store = open.apply(folder)) {
      List<BatchOp> big = new ArrayList<>();
      for (int i = 0; i < values; i++) {
        big.add(BatchOp.write("p", "s", "k" + i, mib));
      }
      store.writeBatch(big);
      assertThat(Files.size(journalOf(folder)))
          .isGreaterThan(AbstractFilesystemStore.CHECKPOINT_JOURNAL_BYTES);
      store.writeBatch(List.of(BatchOp.write("p", "s", "small", bytes("x"))));
      assertThat(Files.size(journalOf(folder))).isLessThan(1024);
      assertThat(store.list("p", "s")).hasSize(values + 1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void theJournalOfAStoreOpenedThroughASymlink_livesBesideTheRealFolder(
      String name, Function<Path, KVStore> open) throws IOException {
    // It was located from the path as given, the lock from the real path: a store opened once
    // through a link and once directly looked for its journal in two places, so a crash's
    // batches were never replayed.
    Path real = tmp.resolve("disk").resolve("store");
    Files.createDirectories(real);
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    try (KVStore store = open.apply(link)) {
      store.writeBatch(List.of(BatchOp.write("p", "s", "a", bytes("1"))));
      assertThat(journalOf(real)).as("beside the real folder").exists();
      assertThat(journalOf(link)).as("not beside the link").doesNotExist();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aCraftedRecordWithAValidDigest_isRefused_andNothingIsWrittenOutside(
      String name, Function<Path, KVStore> open) throws IOException {
    // A record read back is hostile input even when its digest matches: a ".." namespace made a
    // replay write outside the store, and a huge count exhausted the heap.
    Path folder = tmp.resolve("s");
    Files.createDirectories(folder);
    java.io.ByteArrayOutputStream traversal = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(traversal)) {
      out.writeInt(1);
      out.writeByte('W');
      out.writeUTF("..");
      out.writeUTF("..");
      out.writeUTF("escaped");
      out.writeLong(1);
      out.writeInt(1);
      out.writeByte(7);
    }
    byte[] hugeCount = java.nio.ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).array();
    java.io.ByteArrayOutputStream cutShort = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(cutShort)) {
      out.writeInt(1);
      out.writeByte('W');
      out.writeUTF("monitors");
      out.writeUTF(""); // ends before the key: once a bare java.io.EOFException
    }
    java.io.ByteArrayOutputStream negative = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(negative)) {
      out.writeInt(1);
      out.writeByte('W');
      out.writeUTF("monitors");
      out.writeUTF("");
      out.writeUTF("m");
      out.writeLong(1);
      out.writeInt(-1); // once "lnkv: -1"
      out.write(new byte[8]);
    }
    List<byte[]> bodies =
        List.of(traversal.toByteArray(), hugeCount, cutShort.toByteArray(), negative.toByteArray());
    List<String> reasons =
        List.of("invalid key", "claims 2147483647 items", "ends inside the key", "claims a value");
    for (int i = 0; i < bodies.size(); i++) {
      byte[] body = bodies.get(i);
      String reason = reasons.get(i);
      Files.deleteIfExists(journalOf(folder));
      io.lnkv.internal.RecordLog log =
          new io.lnkv.internal.RecordLog(journalOf(folder), "LNKVLOG2", "crafted");
      log.recover();
      log.append(body);
      log.close();
      assertThatThrownBy(() -> open.apply(folder))
          .isInstanceOf(io.lnkv.CorruptedDataException.class)
          .hasMessageContaining(journalOf(folder).toString())
          .hasMessageContaining("not a valid batch")
          .hasMessageContaining(reason);
      assertThat(tmp.resolve("escaped")).doesNotExist();
      assertThat(tmp.getParent().resolve("escaped")).doesNotExist();
    }
  }

  /**
   * What a crash leaves when the batches' file writes never reached the disk but their journal did:
   * a copy ({@code tmp/c}) of the folder as it was after {@code setup}, with the journal as it was
   * after the batches. The store itself ({@code tmp/s}) is closed normally.
   */
  @SafeVarargs
  private Path crashAfterBatches(
      Function<Path, KVStore> open, Consumer<KVStore> setup, List<BatchOp>... batches)
      throws IOException {
    Path folder = tmp.resolve("s");
    Path crashed = tmp.resolve("c");
    try (KVStore store = open.apply(folder)) {
      setup.accept(store);
      copyFolder(folder, crashed);
      for (List<BatchOp> batch : batches) {
        store.writeBatch(batch);
      }
      Files.copy(journalOf(folder), journalOf(crashed));
    }
    return crashed;
  }

  private static void copyFolder(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
