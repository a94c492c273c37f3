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
 * (Windows), without JNA on the class path (it is an optional dependency of lnkv-core), or on a
 * file system that is not the default one (the simulated disk), there is nothing to lock and {@link
 * #acquire} returns a lock that holds nothing: the lock file by name still keeps a second writer
 * out, but not one that reaches the store under another name. That is logged once, as a warning.
 */
final class InodeLock implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InodeLock.class);
  private static final boolean AVAILABLE = flockAvailable();
  private static final InodeLock NONE = new InodeLock(-1);

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

  /**
   * Locks {@code path} (an existing folder or file, its real path), or returns a lock that holds
   * nothing where there is nothing to lock (see the class comment), or {@code path} does not exist.
   *
   * @throws HeldException if another open of the same object holds it
   * @throws IOException if it cannot be opened or locked
   */
  static InodeLock acquire(Path path) throws IOException {
    if (!AVAILABLE || path.getFileSystem() != FileSystems.getDefault() || !Files.exists(path)) {
      return NONE;
    }
    byte[] name = path.toString().getBytes(Charset.forName(jnuEncoding()));
    byte[] cString = new byte[name.length + 1]; // NUL-terminated
    System.arraycopy(name, 0, cString, 0, name.length);
    int fd = Flock.open(cString, path);
    try {
      Flock.lock(fd, path);
      return new InodeLock(fd);
    } catch (IOException e) {
      Flock.closeQuietly(fd);
      throw e;
    }
  }

  /** Whether {@code flock} can be called; false (logged) where there is none, or no JNA. */
  private static boolean flockAvailable() {
    try {
      return Flock.load();
    } catch (LinkageError e) { // JNA absent (NoClassDefFoundError), or its native part
      log.warn(
          "flock(2) is not available ({}): a second writer reaching a store through a hard link"
              + " or a bind mount is not detected (the lock file by name still keeps one out)."
              + " Put net.java.dev.jna:jna on the class path to detect it",
          e.toString());
      return false;
    }
  }

  private static String jnuEncoding() {
    String e = System.getProperty("sun.jnu.encoding");
    return e != null && Charset.isSupported(e) ? e : Charset.defaultCharset().name();
  }

  /** Whether this holds a lock (not the lock that holds nothing). */
  boolean holds() {
    return fd >= 0;
  }

  /** Releases the lock (closing the descriptor releases it). */
  @Override
  public void close() {
    if (fd >= 0) {
      Flock.closeQuietly(fd);
    }
  }

  /**
   * The C library's calls, through JNA: the only class here that names JNA, so that lnkv-core loads
   * without it ({@link #load} then fails with a {@link LinkageError}).
   */
  private static final class Flock {
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static LibC libc; // set once by load(), before any other use

    /** The three calls of the C library this needs. */
    interface LibC extends Library {
      int open(byte[] path, int flags) throws LastErrorException;

      int flock(int fd, int operation) throws LastErrorException;

      int close(int fd) throws LastErrorException;
    }

    /**
     * Loads the C library; false on a platform without {@code flock}.
     *
     * @throws LinkageError without JNA, or its native part
     */
    static boolean load() {
      if (Platform.isWindows()) {
        return false;
      }
      libc = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
      return true;
    }

    static int open(byte[] cString, Path path) throws IOException {
      // O_RDONLY | O_NONBLOCK: a folder opens for flock, and something that is no file (a FIFO
      // planted where the store should be) cannot block the open
      int flags = Platform.isMac() ? 0x0004 : 04000;
      try {
        return libc.open(cString, flags);
      } catch (LastErrorException e) {
        throw new IOException("cannot open " + path + " to lock it: errno " + e.getErrorCode(), e);
      }
    }

    static void lock(int fd, Path path) throws IOException {
      try {
        libc.flock(fd, LOCK_EX | LOCK_NB);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == (Platform.isMac() ? 35 : 11)) { // EWOULDBLOCK
          throw new HeldException(path);
        }
        throw new IOException("cannot lock " + path + ": errno " + e.getErrorCode(), e);
      }
    }

    static void closeQuietly(int fd) {
      try {
        libc.close(fd);
      } catch (LastErrorException ignored) {
        // nothing was locked through it
      }
    }
  }
}
