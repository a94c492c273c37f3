package io.lnkv.testkit.disk;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * An in-memory disk with the durability of a POSIX filesystem after a power cut, for testing that
 * code which must survive one makes the right fsyncs. Its {@link #fileSystem()} is an ordinary
 * {@code java.nio.file} file system: the stores, logs and locks under test run on it unchanged.
 *
 * <p>For every file it keeps what a reader sees now (the page cache) and what is durable, and the
 * changes in between in order; likewise for the names in every directory. The rules, as ALICE,
 * CrashMonkey and LazyFS model a power cut:
 *
 * <ul>
 *   <li>a file's contents and size become durable by {@code force} on a channel of that file; its
 *       mtime by {@code force(true)} only (fdatasync may leave it behind);
 *   <li>a name in a directory (create, delete, either half of a rename) becomes durable by {@code
 *       force} on a channel of that directory ({@code FileChannel.open(dir, READ)}), and by nothing
 *       else: a new directory needs its parent synced too;
 *   <li>a failed fsync (an injected fault) drops the changes it was to make durable: they stay
 *       visible until the power cut and never reach the platter, as on Linux after a writeback
 *       error; a failed fsync of a directory also turns the file system read-only until the power
 *       cut, as ext4 and XFS do ({@link #abortOnFailedDirectorySync});
 *   <li>{@link #cutPower()} turns the disk off and returns the strict image: only what was synced.
 *       {@link #cutPower(long)} returns a random image a real disk may legally show: per file, a
 *       prefix of its unsynced changes, the last write torn at a {@value #SECTOR}-byte boundary
 *       (its remainder absent, or zeros when the size got out first); per unsynced name change (a
 *       rename counts once), applied or not. Same seed, same image.
 *   <li>{@link #cutPowerReordered(long)} returns an image of write-back out of order: per file,
 *       each sector or page of the unsynced contents kept or not independently, the size the
 *       durable one or the latest, and a region past the durable size whose data did not get out
 *       reading as zeros or as stale bytes the file held there before a truncation; names as above.
 * </ul>
 *
 * <p>{@link #cutPowerAfter} arms a cut: the disk turns off when that many more operations (every
 * change and every fsync counts; reads do not) have run, and from then every call fails with an
 * {@code IOException}, the one in flight included, so the code under test stops where a real
 * machine would. {@link #injectFault} makes chosen operations fail (EIO, ENOSPC) to test what the
 * code does with the error.
 *
 * <p>Not modelled: symbolic and hard links (refused), permissions of the owner only (others are
 * kept but not enforced), access times, more than one process (file locks are per channel: a second
 * channel's {@code tryLock} gets {@code null}, as another process would).
 *
 * <p>Thread-safe: every operation runs under one lock.
 */
public final class SimulatedDisk {
  /** The atomic write unit: a torn write keeps whole sectors. */
  public static final int SECTOR = 512;

  /** The page of the page cache: out-of-order write-back keeps or loses whole pages or sectors. */
  public static final int PAGE = 4096;

  /** What the disk does, for {@link #injectFault} and {@link #cutPowerAfter}. */
  public enum Operation {
    /** A new file. */
    CREATE,
    /** A new directory. */
    MKDIR,
    /** A write to a file. */
    WRITE,
    /** A change of a file's size. */
    TRUNCATE,
    /** A change of a file's mtime. */
    SET_TIMES,
    /** A change of permissions. */
    SET_PERMISSIONS,
    /** An unlink of a file or an empty directory. */
    DELETE,
    /** A rename. */
    RENAME,
    /** An fsync or fdatasync of a file or directory. */
    FSYNC
  }

  /** Decides whether an operation fails. */
  @FunctionalInterface
  public interface Fault {
    /**
     * @param operation what is about to run
     * @param path the file or directory it runs on
     * @param index how many operations ran before it on this disk
     * @return the error to fail it with, or null to let it run
     */
    IOException check(Operation operation, Path path, long index);
  }

  static final Set<PosixFilePermission> DEFAULT_FILE = PosixFilePermissions.fromString("rw-r--r--");
  static final Set<PosixFilePermission> DEFAULT_DIR = PosixFilePermissions.fromString("rwxr-xr-x");

  final DirInode root;
  // File locks held on each inode, by channel: another channel's lock is another process's.
  final Map<Inode, List<FileLock>> locks = new IdentityHashMap<>();
  private final SimFileSystem fileSystem;
  private long nextId = 2;
  private long nextOp = 1;
  private long operations;
  private long cutAfter = Long.MAX_VALUE;
  private boolean off;
  private boolean abortOnFailedDirectorySync = true;
  private String aborted; // why the file system turned read-only; null while it is writable
  private Fault fault;
  private Predicate<Path> ignoredFsyncs = path -> false;
  private long capacity = Long.MAX_VALUE;

  private SimulatedDisk(DirInode root) {
    this.root = root;
    this.fileSystem = new SimFileSystem(this);
  }

  /** An empty disk with a root directory {@code /}. */
  public static SimulatedDisk create() {
    DirInode root = new DirInode(1, FileTime.fromMillis(0), DEFAULT_DIR);
    return new SimulatedDisk(root);
  }

  /** The disk's file system. */
  public FileSystem fileSystem() {
    return fileSystem;
  }

  /** A path on this disk, e.g. {@code path("/node/store")}. */
  public Path path(String first, String... more) {
    return fileSystem.getPath(first, more);
  }

  /** Operations run so far (changes and fsyncs). */
  public synchronized long operations() {
    return operations;
  }

  /** Whether the power is off: every call fails. */
  public synchronized boolean poweredOff() {
    return off;
  }

  /**
   * Turns the disk off when {@code more} further operations have run: the operation after them
   * fails, and everything after it. The work done until then stays in the disk's state for {@link
   * #cutPower()}.
   */
  public synchronized void cutPowerAfter(long more) {
    if (more < 0) {
      throw new IllegalArgumentException("more must be >= 0: " + more);
    }
    cutAfter = operations + more;
  }

  /** Fails the operations {@code fault} chooses; {@code null} clears it. */
  public synchronized void injectFault(Fault fault) {
    this.fault = fault;
  }

  /**
   * Makes the fsyncs of the paths {@code which} accepts succeed without making anything durable: a
   * disk that lies, or code that never syncs. For proving that a harness notices missing fsyncs.
   */
  public synchronized void ignoreFsyncs(Predicate<Path> which) {
    this.ignoredFsyncs = which;
  }

  boolean fsyncIgnored(Path path) {
    return ignoredFsyncs.test(path);
  }

  /** Limits the bytes of all files: a write past it fails with "No space left on device". */
  public synchronized void capacity(long bytes) {
    this.capacity = bytes;
  }

  /** Bytes left under {@link #capacity}. */
  synchronized long usableSpace() {
    return capacity == Long.MAX_VALUE ? Long.MAX_VALUE / 2 : Math.max(0, capacity - usedBytes());
  }

  /**
   * Cuts the power and returns what a restarted machine finds: only what was synced. This disk
   * stays off.
   */
  public synchronized SimulatedDisk cutPower() {
    off = true;
    return image(null, false);
  }

  /**
   * Cuts the power and returns one of the images a real disk may legally show (see the class
   * comment), chosen by {@code seed}. This disk stays off.
   */
  public synchronized SimulatedDisk cutPower(long seed) {
    off = true;
    return image(new SplittableRandom(seed), false);
  }

  /**
   * Cuts the power and returns one of the images of out-of-order write-back (see the class
   * comment), chosen by {@code seed}. This disk stays off.
   */
  public synchronized SimulatedDisk cutPowerReordered(long seed) {
    off = true;
    return image(new SplittableRandom(seed), true);
  }

  /**
   * A new disk holding what a power cut now would keep (the strict image), while this disk runs on:
   * for an image just taken, an exact copy.
   */
  public synchronized SimulatedDisk durableCopy() {
    return image(null, false);
  }

  private SimulatedDisk image(SplittableRandom random, boolean reordered) {
    Map<Long, Boolean> survives = new HashMap<>();
    Map<Inode, Inode> copies = new IdentityHashMap<>();
    long[] ids = {2};
    DirInode newRoot = copyDir(root, 1, random, reordered, survives, copies, ids);
    SimulatedDisk disk = new SimulatedDisk(newRoot);
    disk.nextId = ids[0];
    disk.ignoredFsyncs = ignoredFsyncs;
    disk.abortOnFailedDirectorySync = abortOnFailedDirectorySync; // a new boot: writable again
    return disk;
  }

  private DirInode copyDir(
      DirInode dir,
      long id,
      SplittableRandom random,
      boolean reordered,
      Map<Long, Boolean> survives,
      Map<Inode, Inode> copies,
      long[] ids) {
    DirInode copy = new DirInode(id, dir.mtime, dir.permissions);
    copies.put(dir, copy);
    Map<String, Inode> names =
        dir.imageEntries(
            op -> random != null && survives.computeIfAbsent(op, o -> random.nextBoolean()));
    for (Map.Entry<String, Inode> e : names.entrySet()) {
      Inode child = e.getValue();
      Inode childCopy = copies.get(child);
      if (childCopy == null) {
        if (child instanceof DirInode d) {
          childCopy = copyDir(d, ids[0]++, random, reordered, survives, copies, ids);
        } else {
          FileInode f = (FileInode) child;
          long newId = ids[0]++;
          childCopy =
              random == null
                  ? f.strictImage(newId)
                  : reordered ? f.reorderedImage(newId, random) : f.randomImage(newId, random);
          copies.put(child, childCopy);
        }
      }
      copy.entries.put(e.getKey(), childCopy);
    }
    copy.markAllDurable();
    return copy;
  }

  // ---- used by the file system ----

  /** Counts an operation, failing it if the power is (or now goes) off or a fault chooses it. */
  void step(Operation operation, Path path) throws IOException {
    checkOn();
    if (operations >= cutAfter) {
      off = true;
      throw new IOException(
          "simulated power cut: the disk is off (" + operation + " " + path + ")");
    }
    long index = operations++;
    if (aborted != null) {
      throw new IOException("Read-only file system (" + aborted + ")");
    }
    if (fault != null) {
      IOException e = fault.check(operation, path, index);
      if (e != null) {
        throw e;
      }
    }
  }

  /**
   * Whether a failed fsync of a directory aborts the file system's journal (default true): every
   * later change and fsync then fails until the power cut, as on ext4 (jbd2 aborts its journal on a
   * failed commit) and XFS (which shuts down). With false, the file system goes on, the directory's
   * unsynced name changes dropped for good and later fsyncs succeeding without them, as one without
   * a journal may: the harsher case, for tests of code that keeps writing after it.
   */
  public synchronized void abortOnFailedDirectorySync(boolean abort) {
    this.abortOnFailedDirectorySync = abort;
  }

  /** A directory's fsync failed: see {@link #abortOnFailedDirectorySync}. */
  void directorySyncFailed(Path dir) {
    if (abortOnFailedDirectorySync && aborted == null) {
      aborted = "the journal was aborted when the fsync of " + dir + " failed";
    }
  }

  void checkOn() throws IOException {
    if (off) {
      throw new IOException("simulated power cut: the disk is off");
    }
  }

  void checkSpace(long growth) throws IOException {
    if (growth > 0 && capacity != Long.MAX_VALUE && usedBytes() + growth > capacity) {
      throw new IOException("No space left on device");
    }
  }

  long newId() {
    return nextId++;
  }

  long newOp() {
    return nextOp++;
  }

  private long usedBytes() {
    long[] total = {0};
    Map<Inode, Boolean> seen = new IdentityHashMap<>();
    sum(root, total, seen);
    return total[0];
  }

  private static void sum(DirInode dir, long[] total, Map<Inode, Boolean> seen) {
    for (Inode child : List.copyOf(dir.entries.values())) {
      if (seen.put(child, Boolean.TRUE) != null) {
        continue;
      }
      if (child instanceof DirInode d) {
        sum(d, total, seen);
      } else {
        total[0] += child.size();
      }
    }
  }
}
