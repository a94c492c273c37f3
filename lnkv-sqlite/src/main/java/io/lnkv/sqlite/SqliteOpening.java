package io.lnkv.sqlite;

import io.lnkv.CorruptedDataException;
import io.lnkv.StoreException;
import io.lnkv.internal.DurableDirectories;
import io.lnkv.internal.OwnerOnly;
import io.lnkv.internal.WriterLock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * How a {@link SqliteStore} opens: its folder made (durably) if missing, the file checked to be a
 * SQLite database before anything touches it, the writer's lock taken before the database file is
 * created (a refused opener creates no file), a new file's name made durable before any commit
 * relies on it, hard links refused, the schema version checked before the journal mode changes,
 * then WAL and ldk-node's migrations. Read-only opening takes no lock and changes nothing. On any
 * failure what was opened is closed again and the cause is named.
 */
final class SqliteOpening {
  private static final byte[] SQLITE_HEADER =
      "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  private SqliteOpening() {}

  static SqliteStore open(Path file, String table, boolean readOnly, SqliteStore.Builder settings) {
    Path path = file.toAbsolutePath().normalize();
    if (readOnly) {
      return openReadOnly(path, table, settings);
    }
    String where = "SqliteStore at " + path;
    WriterLock lock = null;
    Connection writer = null;
    try {
      Path dir = path.getParent();
      DurableDirectories.create(dir);
      refuseNonDatabase(path);
      if (!Files.exists(path)) {
        // the name's lock first: a refused opener creates nothing
        lock = WriterLock.acquire(dir, path.getFileName().toString(), "SqliteStore");
        Files.createFile(path, OwnerOnly.file(path));
        // The file's name, before any commit relies on it. The power-cut harness cannot show
        // this: SQLite does its I/O natively, not through a java.nio file system it can simulate.
        DurableDirectories.fsync(dir);
        lock.lockCreatedFile();
      } else {
        lock = WriterLock.acquire(path, "SqliteStore");
      }
      refuseHardLinks(path);
      writer = SqliteStore.connect(path);
      SqliteSchema.checkVersion(writer, where); // before any change, the journal mode's too
      try (Statement s = writer.createStatement()) {
        s.execute("PRAGMA journal_mode = WAL");
      }
      SqliteSchema.upgrade(writer, table, where);
      return new SqliteStore(path, table, lock, writer, settings);
    } catch (IOException | SQLException | RuntimeException e) {
      closeQuietly(writer, e);
      if (lock != null) {
        lock.close();
      }
      if (e instanceof StoreException se) {
        throw se;
      }
      if (e instanceof SQLException sql && SqliteStore.isCorruption(sql)) {
        throw new CorruptedDataException(
            "Cannot open "
                + where
                + ": the database is damaged ("
                + sql.getMessage()
                + "). It was left untouched; restore it from a backup",
            sql);
      }
      throw new StoreException("Failed to open " + where + ": " + e, e);
    }
  }

  /**
   * Opens without a lock and without changing the file: it must be a database with this store's
   * table at the current schema version.
   */
  private static SqliteStore openReadOnly(Path path, String table, SqliteStore.Builder settings) {
    String where = "SqliteStore at " + path + " (table " + table + ")";
    try {
      if (!Files.exists(path)) {
        throw new io.lnkv.StoreNotFoundException(
            "No "
                + where
                + ": the file does not exist; check the path (opening for writing creates it)");
      }
      if (!Files.isRegularFile(path)) {
        throw new io.lnkv.IncompatibleStoreException(
            "Cannot open " + where + ": it is not a file; check the path");
      }
      refuseNonDatabase(path);
      ReadConnections.Opener opener = ReadOnlyOpening.opener(path);
      try (Connection c = opener.open()) {
        int version = SqliteSchema.checkVersion(c, where);
        if (!SqliteSchema.tableExists(c, table)) {
          throw new io.lnkv.IncompatibleStoreException(
              "Cannot open "
                  + where
                  + " read-only: the database has no table "
                  + table
                  + " (it has "
                  + SqliteSchema.tables(c)
                  + "); choose the table (lnkv: --table), or check the path");
        }
        int tableVersion = SqliteSchema.tableVersion(c, table, where);
        if (tableVersion < SqliteSchema.VERSION) { // the database's version may say current
          throw new io.lnkv.IncompatibleStoreException(
              "Cannot open "
                  + where
                  + " read-only: the schema version of its table "
                  + table
                  + " is "
                  + tableVersion
                  + " (the database's "
                  + version
                  + "), older than "
                  + SqliteSchema.VERSION
                  + ", and only opening it for writing upgrades it (as ldk-node does at start)");
        }
        if (version < SqliteSchema.VERSION) {
          throw new io.lnkv.IncompatibleStoreException(
              "Cannot open "
                  + where
                  + " read-only: its schema version "
                  + version
                  + " is older than "
                  + SqliteSchema.VERSION
                  + ", and only opening it for writing upgrades it (as ldk-node does at start)");
        }
      }
      return new SqliteStore(path, table, opener, settings);
    } catch (IOException | SQLException e) {
      if (e instanceof SQLException sql && SqliteStore.isCorruption(sql)) {
        throw new CorruptedDataException(
            "Cannot open " + where + ": the database is damaged (" + sql.getMessage() + ")", sql);
      }
      throw new StoreException("Failed to open " + where + " read-only: " + e, e);
    }
  }

  /**
   * The lock is named after the path, and SQLite's {@code -wal} and {@code -shm} files too: a
   * second path to the same file (a hard link) would get past the lock and corrupt the database
   * with a second log. Symbolic links and {@code ..} are resolved before the lock is taken.
   */
  private static void refuseHardLinks(Path path) throws IOException {
    Object links;
    try {
      links = Files.getAttribute(path, "unix:nlink");
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return; // no link count on this platform
    }
    if (links instanceof Integer n && n > 1) {
      throw new io.lnkv.StoreLockedException(
          "Refusing to open "
              + path
              + " for writing: the file has "
              + n
              + " hard links, and a writer through another of them would get past the"
              + " single-writer lock (and SQLite's write-ahead log). Remove the other links (find"
              + " them with: find / -samefile "
              + path
              + "), or copy the file");
    }
  }

  private static void closeQuietly(Connection c, Exception failure) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        failure.addSuppressed(e);
      }
    }
  }

  private static void refuseNonDatabase(Path file) throws IOException {
    if (!Files.exists(file) || Files.size(file) == 0) {
      return;
    }
    byte[] head = new byte[SQLITE_HEADER.length];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n < head.length || !Arrays.equals(head, SQLITE_HEADER)) {
      throw new CorruptedDataException(
          "Cannot open "
              + file
              + " as a SqliteStore: it is not a SQLite database (its header is not 'SQLite format"
              + " 3'). It was left untouched; check the path");
    }
  }
}
