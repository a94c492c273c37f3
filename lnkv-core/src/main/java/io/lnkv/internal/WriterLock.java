package io.lnkv.internal;

import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The single-writer lock of a store kept in files: an OS file lock on {@code .<name>.lnkv-lock}
 * beside the store's folder or database file (in its parent), never inside a store folder, because
 * LDK treats every file in a store folder as data (v1 lists root files as keys; v2 refuses a folder
 * with a top-level file).
 *
 * <p>The OS releases the lock when the holding process dies, even by SIGKILL, so no stale lock
 * outlives its holder. The file is never deleted (deleting a lock file lets two processes lock two
 * different files of the same name). It holds a line naming the holder, which a refused opener puts
 * in its message.
 *
 * <p>The lock file is found by name, so it also takes an {@code flock} on the store folder or file
 * itself ({@code InodeLock}): a writer reaching the same store by another path (a hard link, a bind
 * mount) is refused too. The lock file is never followed through a symbolic link, and a link or a
 * hard-linked file in its place is refused with its name.
 *
 * <p>POSIX locks belong to the process, not the thread or channel, and closing any channel to the
 * file would drop them; so a second open in this process is refused from an in-process registry,
 * before the file is touched.
 */
public final class WriterLock implements AutoCloseable {
  private static final ConcurrentHashMap<Path, String> HELD_IN_THIS_PROCESS =
      new ConcurrentHashMap<>();

  private final Path guarded;
  private final FileChannel channel;
  private final FileLock lock;
  private InodeLock inode; // guarded by this; holds nothing while the file does not exist

  private WriterLock(Path guarded, FileChannel channel, FileLock lock, InodeLock inode) {
    this.guarded = guarded;
    this.channel = channel;
    this.lock = lock;
    this.inode = inode;
  }

  /**
   * Whether an lnkv writer has the store folder or database file at {@code realPath} open now,
   * under whatever path: its lock is on the file system object itself. For a reader, which must not
   * read around a live writer's state (a SQLite write-ahead log it cannot see). False where that
   * lock does not exist (no {@code flock}, or another file system).
   */
  public static boolean heldByAWriter(Path realPath) throws IOException {
    // Read from the kernel's lock table, not probed by locking: a probe would hold the lock for a
    // moment, and a writer starting in that moment would be refused.
    Path table = Path.of("/proc/locks");
    if (realPath.getFileSystem() != table.getFileSystem() || !Files.isReadable(table)) {
      return false;
    }
    long inode;
    long device;
    try {
      inode = ((Number) Files.getAttribute(realPath, "unix:ino")).longValue();
      device = ((Number) Files.getAttribute(realPath, "unix:dev")).longValue();
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
    // Linux's dev_t: major in bits 8-19 and 32-43, minor in bits 0-7 and 12-31
    long major = ((device >>> 8) & 0xfff) | ((device >>> 32) & ~0xfffL);
    long minor = (device & 0xff) | ((device >>> 12) & ~0xffL);
    byte[] bytes;
    try (java.io.InputStream in = Files.newInputStream(table)) {
      bytes = in.readNBytes(16 << 20); // one line per lock held on the machine
    }
    for (String line : new String(bytes, StandardCharsets.US_ASCII).split("\n")) {
      String[] f = line.trim().split("\\s+");
      // "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF": major:minor in hex, the inode decimal
      if (f.length >= 6 && f[1].equals("FLOCK") && f[3].equals("WRITE")) {
        String[] id = f[5].split(":");
        try {
          if (id.length == 3
              && Long.parseLong(id[2]) == inode
              && Long.parseLong(id[0], 16) == major
              && Long.parseLong(id[1], 16) == minor) {
            return true;
          }
        } catch (NumberFormatException e) {
          // a line of another shape: not ours
        }
      }
    }
    return false;
  }

  /** Where the lock of {@code path} (a store folder or database file) lives. */
  public static Path lockFileOf(Path path) {
    Path name = path.getFileName();
    if (path.getParent() == null || name == null) {
      throw new IllegalArgumentException("A store needs a parent folder: " + path);
    }
    return path.getParent().resolve("." + name + ".lnkv-lock");
  }

  /**
   * Takes the lock of an existing store folder or database file, in {@link #lockFileOf}.
   *
   * @param storeKind names the store in the holder line, e.g. {@code FilesystemStoreV2}
   * @throws StoreLockedException if another process or another store in this process holds it
   * @throws IOException if the lock file cannot be created or locked
   */
  public static WriterLock acquire(Path path, String storeKind) throws IOException {
    Path real = path.toRealPath();
    if (real.getParent() == null) {
      throw new IllegalArgumentException("A store needs a parent folder: " + path);
    }
    return acquire(real.getParent(), real.getFileName().toString(), storeKind);
  }

  /**
   * Takes the lock named {@code name} in the existing folder {@code parent}, in {@code
   * .<name>.lnkv-lock}, whether or not anything called {@code name} exists there: for work on a
   * name rather than on a file, such as a migration that renames folders.
   *
   * @throws StoreLockedException if another process or another holder in this process holds it
   * @throws IOException if the lock file cannot be created or locked
   */
  public static WriterLock acquire(Path parent, String name, String storeKind) throws IOException {
    Path real = parent.toRealPath().resolve(name);
    String holder = ThisProcess.holder(storeKind);
    String previous = HELD_IN_THIS_PROCESS.putIfAbsent(real, holder);
    if (previous != null) {
      throw new StoreLockedException(
          "Cannot open "
              + real
              + ": it is already open for writing in this process ("
              + previous
              + "); close that store first or share it");
    }
    FileChannel ch = null;
    try {
      Path lockFile = lockFileOf(real);
      ch =
          OwnFiles.openForWriting(
              lockFile, "the lock file", StandardOpenOption.CREATE, StandardOpenOption.READ);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new StoreLockedException(
            "Cannot open "
                + real
                + ": another process writes it ("
                + readHolder(ch)
                + ", lock file "
                + lockFile
                + "); stop that process first. Two writers of one node's state can lose funds");
      }
      InodeLock inode;
      try {
        inode = InodeLock.acquire(real);
      } catch (InodeLock.HeldException e) {
        throw new StoreLockedException(
            "Cannot open "
                + real
                + ": another writer has it open under another path (a hard link, a bind mount or"
                + " another mount of the same folder; its lock file is beside that path, not "
                + lockFile
                + "); stop that process first. Two writers of one node's state can lose funds",
            e);
      }
      byte[] line = (holder + "\n").getBytes(StandardCharsets.UTF_8);
      // Not synced: the line only names the holder to a refused opener, which reads it from the
      // page cache; after a power cut there is no holder, and the lock itself is the OS's.
      try {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(line), 0);
      } catch (IOException | RuntimeException e) {
        inode.close();
        throw e;
      }
      return new WriterLock(real, ch, lock, inode);
    } catch (IOException | RuntimeException e) {
      HELD_IN_THIS_PROCESS.remove(real);
      if (ch != null) {
        ch.close();
      }
      throw e;
    }
  }

  private static String readHolder(FileChannel ch) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(512);
      ch.read(buf, 0);
      String s = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
      return s.isEmpty() ? "holder unknown" : "held by " + s;
    } catch (IOException e) {
      return "holder unknown: " + e.getMessage();
    }
  }

  /**
   * Takes the lock on the file system object too, once the file this lock was taken for by name
   * (before it existed) has been created under it: from then on a writer reaching it by another
   * path (a hard link, a bind mount) is refused as well.
   *
   * @throws StoreLockedException if a writer under another path holds it already
   */
  public synchronized void lockCreatedFile() throws IOException {
    if (inode.holds()) {
      return;
    }
    try {
      inode = InodeLock.acquire(guarded);
    } catch (InodeLock.HeldException e) {
      throw new StoreLockedException(
          "Cannot open "
              + guarded
              + ": another writer has it open under another path; stop that process first",
          e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      inode.close();
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new StoreException("Failed to release the lock of " + guarded + ": " + e, e);
    } finally {
      HELD_IN_THIS_PROCESS.remove(guarded);
    }
  }
}
