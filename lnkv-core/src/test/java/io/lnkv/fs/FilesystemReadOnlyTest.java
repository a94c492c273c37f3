package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.BatchOp;
import io.lnkv.CorruptedDataException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.KeyNotFoundException;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.StoreNotFoundException;
import io.lnkv.spi.AbstractKVStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Read-only opens of the filesystem stores: beside a live writer, without a lock, changing nothing,
 * refusing what is not a store, and reading through the commit log instead of half-written files.
 */
class FilesystemReadOnlyTest {
  @TempDir Path tmp;

  private static AbstractKVStore writer(boolean v2, Path root) {
    return v2 ? FilesystemStoreV2.open(root) : FilesystemStore.open(root);
  }

  private static AbstractKVStore reader(boolean v2, Path root) {
    return v2
        ? FilesystemStoreV2.builder(root).readOnly().build()
        : FilesystemStore.builder(root).readOnly().build();
  }

  /** Every entry under {@code dir} (and beside it), with its bytes and mtime. */
  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        String what =
            Files.isRegularFile(p)
                ? Arrays.toString(Files.readAllBytes(p)) + "@" + Files.getLastModifiedTime(p)
                : "dir";
        out.put(dir.relativize(p).toString(), what);
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void beside_aLiveWriter_readsWhatItWrote_takesNoLock_andRefusesWrites(boolean v2) {
    Path root = tmp.resolve("store");
    try (AbstractKVStore w = writer(v2, root)) {
      w.write("monitors", "", "m1", new byte[] {1});
      w.write("", "", "manager", new byte[] {2});
      // the writer holds the lock in this process: a reader that took it would be refused here
      try (AbstractKVStore r = reader(v2, root)) {
        assertThat(r.isReadOnly()).isTrue();
        assertThat(r.read("monitors", "", "m1")).containsExactly(1);
        assertThat(r.list("monitors", "")).containsExactly("m1");
        assertThat(r.listAllKeys())
            .containsExactlyInAnyOrder(
                ScopedKey.of("monitors", "", "m1"), ScopedKey.of("", "", "manager"));
        w.write("monitors", "", "m2", new byte[] {3});
        assertThat(r.read("monitors", "", "m2")).containsExactly(3);
        assertThatThrownBy(() -> r.write("monitors", "", "m3", new byte[] {4}))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("read-only");
        assertThatThrownBy(() -> r.remove("monitors", "", "m1", false))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("read-only");
        assertThatThrownBy(() -> r.writeBatch(List.of(BatchOp.remove("monitors", "", "m1"))))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("read-only");
      }
      assertThat(w.read("monitors", "", "m1")).containsExactly(1);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aMissingFolder_isNotFound_andNotCreated(boolean v2) {
    Path root = tmp.resolve("missing");
    assertThatThrownBy(() -> reader(v2, root))
        .isInstanceOf(StoreNotFoundException.class)
        .hasMessageContaining("does not exist");
    assertThat(root).doesNotExist();
    assertThat(tmp.resolve(".missing.lnkv-lock")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFolderOfForeignFiles_isRefused_andLeftExactlyAsItWas(boolean v2) throws IOException {
    Path root = tmp.resolve("downloads");
    Files.createDirectories(root);
    Files.writeString(root.resolve("notes.txt"), "mine");
    Files.writeString(root.resolve("draft.tmp"), "a temporary file of someone else's");
    Files.writeString(root.resolve("old.trash"), "x");
    Map<String, String> before = snapshot(tmp);
    // both name the foreign entry; v2 refuses any file at its top as LDK does, but calls it v1
    // data (and advises the migration) only when it could be a v1 key
    assertThatThrownBy(() -> reader(v2, root))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("notes.txt")
        .hasMessageNotContaining(v2 ? "(v1) data" : "\u0000");
    assertThat(snapshot(tmp)).as("nothing deleted, created or locked").isEqualTo(before);
    // nor does a writer adopt it: its recovery would delete the temporary files
    assertThatThrownBy(() -> writer(v2, root)).isInstanceOf(IncompatibleStoreException.class);
    Files.deleteIfExists(tmp.resolve(".downloads.lnkv-lock")); // the writer's, kept by design
    assertThat(snapshot(tmp)).as("nothing deleted").isEqualTo(before);
  }

  @Test
  void theWrongLayout_isRefusedReadOnlyToo() {
    Path v1 = tmp.resolve("v1");
    try (FilesystemStore w = FilesystemStore.open(v1)) {
      w.write("monitors", "", "m", new byte[] {1});
    }
    Path v2 = tmp.resolve("v2");
    try (FilesystemStoreV2 w = FilesystemStoreV2.open(v2)) {
      w.write("", "", "manager", new byte[] {1});
    }
    assertThatThrownBy(() -> reader(true, v1)).isInstanceOf(IncompatibleStoreException.class);
    assertThatThrownBy(() -> reader(false, v2)).isInstanceOf(IncompatibleStoreException.class);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void leftoverTemporaryFiles_ofAStore_areLeftForItsWriter(boolean v2) throws IOException {
    Path root = tmp.resolve("store");
    try (AbstractKVStore w = writer(v2, root)) {
      w.write("monitors", "", "m1", new byte[] {1});
    }
    Path scope = v2 ? root.resolve("monitors").resolve("[empty]") : root.resolve("monitors");
    Path leftover = scope.resolve("m1.7.tmp"); // what a crash mid-write leaves
    Files.writeString(leftover, "half");
    Map<String, String> before = snapshot(tmp);
    try (AbstractKVStore r = reader(v2, root)) {
      assertThat(r.list("monitors", "")).containsExactly("m1");
    }
    assertThat(snapshot(tmp)).isEqualTo(before);
  }

  /**
   * A batch's values are written into their files in place after its record is in the commit log;
   * until the checkpoint, the record is what holds them. A reader that read the files would show a
   * half-written value (here: overwritten by hand, as a crash or a running batch leaves it) and a
   * removed key still present.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void loggedBatches_areReadFromTheLog_notFromFilesTheyMayBeWriting(boolean v2) throws IOException {
    Path root = tmp.resolve("store");
    try (AbstractKVStore w = writer(v2, root)) {
      w.write("monitors", "", "gone", new byte[] {9});
      w.writeBatch(
          List.of(
              BatchOp.write("monitors", "", "m1", bytes("whole value")),
              BatchOp.write("", "", "manager", bytes("manager v2")),
              BatchOp.remove("monitors", "", "gone")));
      Path m1 = ((AbstractFilesystemStore) w).fileOf(ScopedKey.of("monitors", "", "m1"));
      Path gone = ((AbstractFilesystemStore) w).fileOf(ScopedKey.of("monitors", "", "gone"));
      try (FileChannel ch = FileChannel.open(m1, StandardOpenOption.WRITE)) {
        ch.truncate(3); // torn
      }
      Files.write(gone, new byte[] {9}); // a remove not applied yet
      Map<String, String> before = snapshot(tmp);
      try (AbstractKVStore r = reader(v2, root)) {
        assertThat(r.read("monitors", "", "m1")).isEqualTo(bytes("whole value"));
        assertThat(r.read("", "", "manager")).isEqualTo(bytes("manager v2"));
        assertThatThrownBy(() -> r.read("monitors", "", "gone"))
            .isInstanceOf(KeyNotFoundException.class);
        assertThat(r.list("monitors", "")).containsExactly("m1");
        assertThat(r.listPaginated("monitors", "", null).keys()).containsExactly("m1");
        assertThat(r.listAllKeys())
            .containsExactlyInAnyOrder(
                ScopedKey.of("monitors", "", "m1"), ScopedKey.of("", "", "manager"));
      }
      assertThat(snapshot(tmp)).as("the reader changed nothing").isEqualTo(before);
      try (AbstractKVStore r = reader(v2, root)) {
        // a batch the writer logs while the reader is open is followed too
        w.writeBatch(List.of(BatchOp.write("monitors", "", "m2", bytes("two"))));
        try (FileChannel ch =
            FileChannel.open(
                ((AbstractFilesystemStore) w).fileOf(ScopedKey.of("monitors", "", "m2")),
                StandardOpenOption.WRITE)) {
          ch.truncate(1);
        }
        assertThat(r.read("monitors", "", "m2")).isEqualTo(bytes("two"));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFolderWhoseCommitLogIsMissing_isRefused_notShownTorn(boolean v2) throws IOException {
    Path root = tmp.resolve("store");
    try (AbstractKVStore w = writer(v2, root)) {
      w.writeBatch(List.of(BatchOp.write("monitors", "", "m1", bytes("v"))));
      Path journal = tmp.resolve(".store.lnkv-journal");
      Path aside = tmp.resolve("aside");
      Files.move(journal, aside);
      try {
        assertThatThrownBy(() -> reader(v2, root))
            .isInstanceOf(CorruptedDataException.class)
            .hasMessageContaining("commit log");
      } finally {
        Files.move(aside, journal);
      }
    }
  }

  /**
   * LDK fails a listing whose namespace is a file; a store that returned no keys would have a node
   * start without its channel monitors.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aNamespaceThatIsAFile_failsItsListing(boolean v2) throws IOException {
    Path root = tmp.resolve("store");
    Function<AbstractKVStore, Path> monitorsDir =
        s -> ((AbstractFilesystemStore) s).fileOf(ScopedKey.of("monitors", "", "x")).getParent();
    try (AbstractKVStore w = writer(v2, root)) {
      w.write("monitors", "", "m1", new byte[] {1});
      Path dir = monitorsDir.apply(w);
      Files.delete(dir.resolve("m1"));
      Files.delete(dir);
      Files.writeString(dir, "not a folder");
      assertThatThrownBy(() -> w.list("monitors", ""))
          .isInstanceOf(CorruptedDataException.class)
          .hasMessageContaining("is a file");
      assertThatThrownBy(() -> w.listPaginated("monitors", "", null))
          .isInstanceOf(CorruptedDataException.class);
      if (!v2) {
        assertThatThrownBy(() -> w.list("monitors", "sub"))
            .isInstanceOf(CorruptedDataException.class);
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
