package io.lnkv.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.CorruptedDataException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreLockedException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
  @TempDir Path tmp;

  /**
   * A database this store creates is locked on its inode too, as an existing one is: a writer that
   * reaches it by another path (a bind mount) is refused, and a reader there is told a writer is
   * live. The name is locked before the file is created (so a refused opener creates nothing), and
   * the inode once it exists; without that second step a new database had no inode lock at all.
   */
  @Test
  void aDatabaseCreatedHere_isLockedOnItsInodeToo() throws Exception {
    Path db = tmp.resolve("new.sqlite");
    try (SqliteStore store = SqliteStore.open(db)) {
      store.write("", "", "k", new byte[] {1});
      assertThat(io.lnkv.internal.WriterLock.heldByAWriter(db.toRealPath())).isTrue();
    }
    assertThat(io.lnkv.internal.WriterLock.heldByAWriter(db.toRealPath())).isFalse();
    try (SqliteStore again = SqliteStore.open(db)) { // an existing file: locked as before
      assertThat(again.read("", "", "k")).containsExactly(1);
      assertThat(io.lnkv.internal.WriterLock.heldByAWriter(db.toRealPath())).isTrue();
    }
  }

  @Test
  void aFileThatIsNotADatabase_isRefusedAndLeftUntouched() throws Exception {
    Path file = tmp.resolve("notes.sqlite");
    Files.writeString(file, "these are my notes, not a database");
    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(CorruptedDataException.class)
        .hasMessageContaining("not a SQLite database")
        .hasMessageContaining("left untouched");
    assertThat(file).hasContent("these are my notes, not a database");
    assertThat(tmp.resolve("notes.sqlite-wal")).doesNotExist();
  }

  @Test
  void aDamagedDatabase_isRefusedClearly() throws Exception {
    Path file = tmp.resolve("damaged.sqlite");
    try (SqliteStore store = SqliteStore.open(file)) {
      for (int i = 0; i < 200; i++) {
        store.write("p", "", "k" + i, new byte[500]);
      }
    }
    byte[] before = Files.readAllBytes(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(100); // the first page's b-tree header, just after the file header
      raf.write(new byte[] {(byte) 0xEE, (byte) 0xEE, (byte) 0xEE, (byte) 0xEE, 0x7F, 0x7F});
    }
    byte[] damaged = Files.readAllBytes(file);
    assertThatThrownBy(() -> SqliteStore.open(file).close())
        .isInstanceOf(CorruptedDataException.class)
        .hasMessageContaining("damaged");
    assertThat(Files.readAllBytes(file)).isEqualTo(damaged).isNotEqualTo(before);
  }

  @Test
  void aNewerSchemaVersion_isRefused() throws Exception {
    Path file = tmp.resolve("newer.sqlite");
    SqliteStore.open(file).close();
    try (var c = SqliteStore.connect(file);
        var s = c.createStatement()) {
      s.execute("PRAGMA user_version = 4");
    }
    assertThatThrownBy(() -> SqliteStore.open(file))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("schema version is 4")
        .hasMessageContaining("newer lnkv");
  }

  @Test
  void walWithFullSync_andOwnerOnlyFiles() throws Exception {
    Path file = tmp.resolve("sub").resolve("db.sqlite");
    try (SqliteStore store = SqliteStore.open(file)) {
      store.write("p", "", "k", new byte[] {1});
      try (var c = SqliteStore.connect(file);
          var s = c.createStatement();
          var r = s.executeQuery("PRAGMA journal_mode")) {
        r.next();
        assertThat(r.getString(1)).isEqualTo("wal");
      }
      assertThat(Files.getPosixFilePermissions(file))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(Files.getPosixFilePermissions(file.getParent()))
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void concurrentWriters_shareCommits() throws Exception {
    try (SqliteStore store = SqliteStore.builder(tmp.resolve("g.sqlite")).ioThreads(32).build()) {
      long commitsBefore = store.commitCount();
      long opsBefore = store.committedOperations();
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        futures.add(store.writeAsync("p", "", "k" + i, new byte[64]));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      long commits = store.commitCount() - commitsBefore;
      long ops = store.committedOperations() - opsBefore;
      assertThat(ops).isEqualTo(2000);
      assertThat(commits).as("2000 writes from 32 threads in %d commits", commits).isLessThan(1000);
      assertThat(store.list("p", "")).hasSize(2000);
    }
  }

  @Test
  void secondProcess_isRefused_withTheHoldersPid() throws Exception {
    Path file = tmp.resolve("locked.sqlite");
    Process holder = startHolder(file);
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      awaitReady(out);
      assertThatThrownBy(() -> SqliteStore.open(file))
          .isInstanceOf(StoreLockedException.class)
          .hasMessageContaining("pid " + holder.pid());
      holder.toHandle().destroyForcibly();
      holder.waitFor();
    }
    try (SqliteStore store = SqliteStore.open(file)) {
      assertThat(store.read("", "", "held")).containsExactly(7);
    }
  }

  /** A child process that holds {@code file} open for writing (see {@link Holder}). */
  static Process startHolder(Path file) throws java.io.IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            Holder.class.getName(),
            file.toString())
        .redirectErrorStream(true)
        .start();
  }

  /** Reads the holder's output up to its READY line. */
  static void awaitReady(BufferedReader out) throws java.io.IOException {
    String line;
    while ((line = out.readLine()) != null && !line.equals("READY")) {
      // skip logging
    }
    assertThat(line).isEqualTo("READY");
  }

  /** Holds a store open until killed. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      SqliteStore store = SqliteStore.open(Path.of(args[0]));
      store.write("", "", "held", new byte[] {7});
      System.out.println("READY");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void secondTable_inAnExistingDatabase_isCreated() {
    // The table was created only when user_version was 0, so another table in a database that
    // already held one failed with "no such table".
    Path file = tmp.resolve("two-tables.sqlite");
    try (SqliteStore first = SqliteStore.builder(file).table("first_table").build()) {
      first.write("p", "", "k", new byte[] {1});
    }
    try (SqliteStore second = SqliteStore.builder(file).table("second_table").build()) {
      second.write("p", "", "k", new byte[] {2});
      assertThat(second.read("p", "", "k")).containsExactly(2);
    }
    try (SqliteStore first = SqliteStore.builder(file).table("first_table").build()) {
      assertThat(first.read("p", "", "k")).containsExactly(1);
    }
  }
}
