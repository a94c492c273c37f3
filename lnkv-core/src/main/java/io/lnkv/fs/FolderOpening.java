package io.lnkv.fs;

import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreException;
import io.lnkv.StoreNotFoundException;
import io.lnkv.internal.WriterLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * How both filesystem stores are opened: for writing, the folder is created (owner-only) and
 * locked, then checked and recovered; read-only, it must exist and is neither created nor locked.
 * The folder is reached through its real path, so that a symlink, {@code ..} or a relative path
 * finds the same lock and commit log.
 */
final class FolderOpening {
  private FolderOpening() {}

  /** Checks a folder's layout before a store is opened on it. */
  @FunctionalInterface
  interface LayoutCheck {
    void check(Path root) throws IOException;
  }

  /** Creates the store once the folder exists, is locked and passed its layout check. */
  @FunctionalInterface
  interface Constructor<S> {
    S create(Path root, WriterLock lock) throws IOException;
  }

  /**
   * The opening sequence of both stores: create the folder (owner-only), take its lock, check its
   * layout, construct (which recovers). Any failure releases the lock. Read-only: the folder must
   * exist; nothing is created or locked.
   */
  static <S> S open(
      Path folder, String kind, boolean readOnly, LayoutCheck layout, Constructor<S> constructor) {
    Path given = folder.toAbsolutePath().normalize();
    Path root = given;
    try {
      if (readOnly) {
        BasicFileAttributes attrs = FsFiles.attributesOrNull(given);
        if (attrs == null && !Files.exists(given)) {
          throw new StoreNotFoundException(
              "No "
                  + kind
                  + " at "
                  + given
                  + ": the folder does not exist; check the path (opening for writing creates"
                  + " it)");
        }
        if (!Files.isDirectory(given)) {
          throw new IncompatibleStoreException(
              "Cannot open " + given + " as a " + kind + ": it is not a folder; check the path");
        }
      } else {
        FsFiles.createDirectories(given);
      }
      // One canonical location for the lock and the commit log beside the folder, however it is
      // reached (a symlink, "..", a relative path): a journal looked for in two places is a
      // journal whose batches a crash leaves unreplayed.
      root = given.toRealPath();
      if (readOnly) {
        layout.check(root);
        return constructor.create(root, null);
      }
      WriterLock lock = WriterLock.acquire(root, kind);
      try {
        layout.check(root);
        return constructor.create(root, lock);
      } catch (IOException | RuntimeException e) {
        lock.close();
        throw e;
      }
    } catch (IOException e) {
      throw new StoreException("Failed to open " + kind + " at " + root + ": " + e, e);
    }
  }
}
