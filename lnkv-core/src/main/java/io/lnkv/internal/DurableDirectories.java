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

/**
 * Directory mechanics every file-based part of lnkv shares (the filesystem stores, the record logs,
 * the writer lock): a name in a directory survives a power cut only once the directory itself is
 * fsynced, and a new directory only once its parent is. Stateless and thread-safe.
 */
public final class DurableDirectories {
  private DurableDirectories() {}

  /**
   * Creates {@code dir} and its missing parents, readable by the owner only where the file system
   * has POSIX permissions, and makes each new entry durable by fsyncing the directory that holds
   * it, before returning.
   *
   * @throws FileAlreadyExistsException if something other than a directory is in the way
   * @throws IOException if a directory cannot be created or synced
   */
  public static void create(Path dir) throws IOException {
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.push(p);
    }
    FileAttribute<?>[] attrs = OwnerOnly.directory(dir);
    while (!missing.isEmpty()) {
      Path p = missing.pop();
      try {
        Files.createDirectory(p, attrs);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(p)) {
          throw e;
        }
        continue; // created concurrently; its creator fsyncs the parent
      }
      if (p.getParent() != null) {
        fsync(p.getParent());
      }
    }
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
