package io.lnkv.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive {@code flock(2)} on the store folder or database file itself, held while the store
 * is open for writing. {@link WriterLock}'s lock file is found by name; this lock is on the file
 * system object, so every path to it meets it: a hard link, a bind mount, another mount of the same
 * file system. A folder cannot be locked with the JDK's file locks (they need a file open for
 * writing), hence {@code flock} through JNA.
 *
 * <p>{@code flock} locks belong to the open file description: a second open of the same object in
 * this process conflicts too, and closing other descriptors of it (SQLite's, for instance) does not
 * release it. The kernel releases it when the process dies. On a platform without {@code flock}
 * (Windows) or a file system that is not the default one (the simulated disk), there is nothing to
 * lock and {@link #acquire} returns a lock that holds nothing.
 */
final class InodeLock implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InodeLock.class);
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;
  private static final int EWOULDBLOCK = Platform.isMac() ? 35 : 11;
  // O_RDONLY | O_NONBLOCK: a folder opens for flock, and something that is no file (a FIFO planted
  // where the store should be) cannot block the open
  private static final int OPEN_FLAGS = Platform.isMac() ? 0x0004 : 04000;
  private static final LibC LIBC = load();
  private static final InodeLock NONE = new InodeLock(-1);

  /** The three calls of the C library this needs. */
  interface LibC extends Library {
    int open(byte[] path, int flags) throws LastErrorException;

    int flock(int fd, int operation) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  /** Another open file description holds the lock: another writer, under another path. */
  static final class HeldException extends IOException {
    private static final long serialVersionUID = 1L;

    HeldException(Path path) {
      super(path + " is locked by another writer");
    }
  }

  private final int fd;

  private InodeLock(int fd) {
    this.fd = fd;
  }

  private static LibC load() {
    if (Platform.isWindows()) {
      return null;
    }
    try {
      return Native.load(Platform.C_LIBRARY_NAME, LibC.class);
    } catch (LinkageError e) {
      log.warn(
          "flock(2) is not available ({}): a second writer reaching a store through a hard link"
              + " or a bind mount is not detected",
          e.toString());
      return null;
    }
  }

  /**
   * Locks {@code path} (an existing folder or file, its real path), or returns a lock that holds
   * nothing where there is nothing to lock (see the class comment), or {@code path} does not exist.
   *
   * @throws HeldException if another open of the same object holds it
   * @throws IOException if it cannot be opened or locked
   */
  static InodeLock acquire(Path path) throws IOException {
    if (LIBC == null || path.getFileSystem() != FileSystems.getDefault() || !Files.exists(path)) {
      return NONE;
    }
    byte[] name = path.toString().getBytes(Charset.forName(jnuEncoding()));
    byte[] cString = new byte[name.length + 1]; // NUL-terminated
    System.arraycopy(name, 0, cString, 0, name.length);
    int fd;
    try {
      fd = LIBC.open(cString, OPEN_FLAGS);
    } catch (LastErrorException e) {
      throw new IOException("cannot open " + path + " to lock it: errno " + e.getErrorCode(), e);
    }
    try {
      LIBC.flock(fd, LOCK_EX | LOCK_NB);
      return new InodeLock(fd);
    } catch (LastErrorException e) {
      closeQuietly(fd);
      if (e.getErrorCode() == EWOULDBLOCK) {
        throw new HeldException(path);
      }
      throw new IOException("cannot lock " + path + ": errno " + e.getErrorCode(), e);
    }
  }

  private static String jnuEncoding() {
    String e = System.getProperty("sun.jnu.encoding");
    return e != null && Charset.isSupported(e) ? e : Charset.defaultCharset().name();
  }

  private static void closeQuietly(int fd) {
    try {
      LIBC.close(fd);
    } catch (LastErrorException ignored) {
      // nothing was locked through it
    }
  }

  /** Whether this holds a lock (not the lock that holds nothing). */
  boolean holds() {
    return fd >= 0;
  }

  /** Releases the lock (closing the descriptor releases it). */
  @Override
  public void close() {
    if (fd >= 0) {
      closeQuietly(fd);
    }
  }
}
