package io.lnkv.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Directory mechanics every file-based part of lnkv shares (the filesystem stores, the record logs,
 * the writer lock): a name in a directory survives a power cut only once the directory itself is
 * fsynced, and a new directory only once its parent is. Stateless and thread-safe.
 */
public final class DurableDirectories {
  // The folders this process created whose entry in their parent may not be durable yet. Keyed by
  // file system and absolute path, so that stores on different file systems never meet.
  private static final Set<Object> UNSYNCED = ConcurrentHashMap.newKeySet();

  private DurableDirectories() {}

  /**
   * Creates {@code dir} and its missing parents, readable by the owner only where the file system
   * has POSIX permissions, and makes each new entry durable by fsyncing the directory that holds
   * it, before returning; also a folder of {@code dir}'s path that another thread of this process
   * created and has not synced yet. Thread-safe.
   *
   * @throws FileAlreadyExistsException if something other than a directory is in the way
   * @throws IOException if a directory cannot be created or synced
   */
  public static void create(Path dir) throws IOException {
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.push(p);
    }
    // A folder found in place may be another thread's, created and not yet synced into its
    // parent: returning now would let the caller acknowledge a write in it that a power cut loses
    // with the folder. Sync its parent here too (fsync is idempotent; only such races pay it).
    for (Path p = dir; p != null; p = p.getParent()) {
      if (!missing.contains(p) && UNSYNCED.contains(key(p)) && p.getParent() != null) {
        fsync(p.getParent());
        UNSYNCED.remove(key(p)); // its creation is durable now, whoever created it
      }
    }
    FileAttribute<?>[] attrs = OwnerOnly.directory(dir);
    while (!missing.isEmpty()) {
      Path p = missing.pop();
      Object key = key(p);
      UNSYNCED.add(key);
      boolean synced = false;
      try {
        try {
          Files.createDirectory(p, attrs);
        } catch (FileAlreadyExistsException e) {
          if (!Files.isDirectory(p)) {
            throw e;
          }
          // created concurrently: its creator may not have synced it yet, so sync it here too
        }
        if (p.getParent() != null) {
          try {
            fsync(p.getParent());
          } catch (IOException e) {
            // A failed fsync may have dropped the new entry for good (later fsyncs of the parent
            // succeed without it): take the folder away again, while it is still empty, so that
            // the next attempt creates and syncs it anew.
            try {
              Files.deleteIfExists(p);
            } catch (IOException notEmpty) {
              e.addSuppressed(notEmpty);
            }
            throw e;
          }
        }
        synced = true;
      } finally {
        if (synced || !Files.isDirectory(p)) {
          UNSYNCED.remove(key);
        }
        // else: left in place unsynced (the sync failed); whoever finds it syncs its parent
      }
    }
  }

  private static Object key(Path p) {
    return List.of(p.getFileSystem(), p.toAbsolutePath().normalize());
  }

  /**
   * Makes the directory's entries (creations, renames, removals in it) durable. A failure is never
   * retried by lnkv: after a failed fsync the kernel may have dropped what it was to write.
   */
  public static void fsync(Path dir) throws IOException {
    Uninterruptible.run(
        () -> {
          try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
          }
        });
  }
}
