package io.lnkv.sqlite;

import io.lnkv.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Opening a SQLite database read-only without changing anything on disk, for {@code
 * SqliteStore.builder(file).readOnly()} and for looking at a file's tables before choosing one.
 */
final class ReadOnlyOpening {
  private ReadOnlyOpening() {}

  /**
   * How a reader opens the database without changing anything. SQLite's read-only mode on a WAL
   * database creates its {@code -wal} and {@code -shm} files when they are missing; so when no
   * writer has the database open (no {@code -wal} file: every commit is in the database file), the
   * file is opened immutable instead, which reads it as it is and creates nothing. A {@code -wal}
   * file without its {@code -shm} holds commits only a writer may fold in.
   */
  static ReadConnections.Opener opener(Path given) throws IOException {
    // The write-ahead log is named after the path the writer opened: through a symlink or ".."
    // the real path finds it; through a hard link or a bind mount of the file nothing does, so a
    // reader there would read the last checkpoint as if it were current: refused below when an
    // lnkv writer is live (its lock is on the inode, seen from every path). An ldk-node writer
    // takes no such lock; reached by another name, it cannot be seen.
    Path file = given.toRealPath();
    byte[] header = new byte[20];
    try (InputStream in = Files.newInputStream(file)) {
      if (in.readNBytes(header, 0, header.length) < header.length) {
        return () -> connect(file, true); // empty: nothing to read, nothing to create
      }
    }
    boolean wal = header[18] == 2 || header[19] == 2;
    Path walFile = file.resolveSibling(file.getFileName() + "-wal");
    Path shmFile = file.resolveSibling(file.getFileName() + "-shm");
    if (!wal || Files.exists(shmFile)) {
      return () -> connect(file, false);
    }
    if (!Files.exists(walFile) && io.lnkv.internal.WriterLock.heldByAWriter(file)) {
      throw new StoreException(
          "Cannot open "
              + given
              + " read-only: a writer has it open under another name (a hard link, a bind mount"
              + " or another mount of the file), so its write-ahead log is not beside this path and"
              + " reading here would return old data. Open it by the path the node uses");
    }
    if (Files.exists(walFile) && Files.size(walFile) > 0) {
      throw new StoreException(
          "Cannot open "
              + file
              + " read-only: its write-ahead log "
              + walFile
              + " holds commits that only a writer can fold in (its -shm file is gone; did the"
              + " writer stop uncleanly?). Open it once for writing ('lnkv settle sqlite:"
              + file
              + "', or start the node), then read it");
    }
    return () -> connect(file, true);
  }

  private static Connection connect(Path file, boolean immutable) throws SQLException {
    org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(10_000);
    String uri = "jdbc:sqlite:file:" + uriPath(file) + (immutable ? "?immutable=1" : "");
    return DriverManager.getConnection(uri, config.toProperties());
  }

  /** A path in a SQLite URI filename: {@code %}, {@code ?} and {@code #} percent-encoded. */
  private static String uriPath(Path file) {
    return file.toString().replace("%", "%25").replace("?", "%3f").replace("#", "%23");
  }
}
