package io.lnkv.fs;

import io.lnkv.internal.DurableDirectories;
import io.lnkv.internal.OwnFiles;
import io.lnkv.internal.Uninterruptible;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The file mechanics both filesystem stores share: the durable write and remove sequences,
 * owner-only permissions, and directory fsync. Every method is stateless and thread-safe; callers
 * serialize operations on one path.
 */
final class FsFiles {
  /** Suffix of temporary files (LDK's, so its listings skip ours and ours skip its). */
  static final String TMP_SUFFIX = ".tmp";

  /** Suffix of LDK's Windows trash files, skipped like temporary files. */
  static final String TRASH_SUFFIX = ".trash";

  private FsFiles() {}

  static boolean isArtifact(String name) {
    return name.endsWith(TMP_SUFFIX) || name.endsWith(TRASH_SUFFIX);
  }

  /**
   * Creates {@code dir} and its missing parents, owner-only, each new entry fsynced in its parent.
   * (LDK does not fsync the parents it creates, so a power cut could lose a freshly created
   * namespace folder together with a write already acknowledged inside it.)
   */
  static void createDirectories(Path dir) throws IOException {
    DurableDirectories.create(dir);
  }

  /**
   * Replaces {@code dest} atomically and durably with {@code value}. The sequence, and why a crash
   * at any point leaves either the old or the new bytes:
   *
   * <ol>
   *   <li>create {@code tmp} (a new file beside {@code dest}) and write every byte to it;
   *   <li>set its mtime to {@code mtime} (the store keeps creation time there);
   *   <li>fsync {@code tmp}: its bytes and mtime are on disk, {@code dest} untouched;
   *   <li>rename {@code tmp} over {@code dest}: atomic, so {@code dest} names the old or the new
   *       file, never a partial one;
   *   <li>fsync the directory: the rename itself is on disk. Only now is the write acknowledged.
   * </ol>
   *
   * Any failure before the rename deletes {@code tmp} and leaves {@code dest} as it was. A failed
   * fsync is never retried: its error is returned (retrying can report success for data the kernel
   * already dropped).
   *
   * <p>With {@code sync} false, steps 3 and 5 are left out: the caller syncs every file and folder
   * it wrote once at the end (a migration does).
   */
  static void writeAtomically(Path dest, Path tmp, byte[] value, FileTime mtime, boolean sync)
      throws IOException {
    writeTemp(tmp, value, mtime, sync);
    try {
      Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    if (sync) {
      fsyncDirectory(dest.getParent());
    }
  }

  /**
   * Steps 1 to 3 of {@link #writeAtomically}: a new file {@code tmp} holding {@code value}, with
   * the mtime set, fsynced if {@code sync}. Deleted again if anything fails.
   */
  static void writeTemp(Path tmp, byte[] value, FileTime mtime, boolean sync) throws IOException {
    // again from the start if an interrupt closed the channel: the partial file is deleted first
    Uninterruptible.run(() -> writeTempOnce(tmp, value, mtime, sync));
  }

  private static void writeTempOnce(Path tmp, byte[] value, FileTime mtime, boolean sync)
      throws IOException {
    boolean written = false;
    try (FileChannel ch =
        OwnFiles.openForWriting(tmp, "a temporary file", StandardOpenOption.CREATE_NEW)) {
      ByteBuffer buf = ByteBuffer.wrap(value);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      Files.setLastModifiedTime(tmp, mtime);
      if (sync) {
        ch.force(true);
      }
      written = true;
    } finally {
      if (!written) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Writes {@code value} into {@code dest} in place (creating it, owner-only, if absent) and sets
   * its mtime, without syncing. Only for batches recorded in the {@link CommitJournal} first: a
   * crash can leave the file torn, and the replay of the journal on open rewrites it. Writing in
   * place reuses the file's blocks, which is many times cheaper than a new file per value.
   */
  static void overwrite(Path dest, byte[] value, FileTime mtime) throws IOException {
    Uninterruptible.run(
        () -> {
          try (FileChannel ch =
              OwnFiles.openForWriting(dest, "the value file", StandardOpenOption.CREATE)) {
            ByteBuffer buf = ByteBuffer.wrap(value);
            long at = 0;
            while (buf.hasRemaining()) {
              at += ch.write(buf, at);
            }
            ch.truncate(value.length);
          }
        });
    Files.setLastModifiedTime(dest, mtime);
  }

  /**
   * Removes {@code path} if it is a regular file. Unless {@code lazy}, fsyncs the directory so that
   * the removal survives a power cut, even when the file is already gone: an earlier lazy remove
   * (of this process or of one before it) may have unlinked it without making that durable, and an
   * acknowledged remove must not come back.
   */
  static void remove(Path path, boolean lazy) throws IOException {
    BasicFileAttributes attrs = attributesOrNull(path);
    if (attrs != null && attrs.isRegularFile()) {
      Files.deleteIfExists(path);
    } else if (attrs != null || lazy) {
      return; // a folder is not a key; a lazy remove of an absent key has nothing to defer
    }
    if (!lazy) {
      try {
        fsyncDirectory(path.getParent());
      } catch (NoSuchFileException noFolder) {
        // no folder, so no name in it that a power cut could bring back
      }
    }
  }

  /** The file's bytes, or null if there is no such file. */
  static byte[] readOrNull(Path path) throws IOException {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** The entry's attributes without following links, or null if it does not exist. */
  static BasicFileAttributes attributesOrNull(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * fsyncs every path (files and folders) and returns once all are durable. The calls run in
   * parallel: the filesystem then commits many of them in one journal transaction, which makes a
   * batch of many files much cheaper than as many fsyncs one after the other. The first failure is
   * thrown once every call has finished; a failed fsync is never retried.
   */
  static void fsyncAll(List<Path> paths) throws IOException {
    List<Future<?>> pending = new ArrayList<>(paths.size());
    for (Path p : paths) {
      pending.add(
          SYNCERS.submit(
              () -> {
                fsyncFile(p);
                return null;
              }));
    }
    IOException failure = null;
    for (Future<?> f : pending) {
      try {
        // an interrupt must not abandon a checkpoint halfway: the store would refuse every call
        Uninterruptible.get(f);
      } catch (ExecutionException e) {
        IOException io =
            e.getCause() instanceof IOException cause ? cause : new IOException(e.getCause());
        if (failure == null) {
          failure = io;
        } else {
          failure.addSuppressed(io);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static final ExecutorService SYNCERS =
      Executors.newFixedThreadPool(16, io.lnkv.internal.DaemonThreads.named("lnkv-fsync"));

  /** Makes a file's content and metadata durable (a folder's entries, for a folder). */
  static void fsyncFile(Path file) throws IOException {
    Uninterruptible.run(
        () -> {
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
          }
        });
  }

  /** Makes the directory's entries (creations, renames, removals) durable. */
  static void fsyncDirectory(Path dir) throws IOException {
    DurableDirectories.fsync(dir);
  }
}
