package io.lnkv.fs;

import io.lnkv.IncompatibleStoreException;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.DurableDirectories;
import io.lnkv.internal.WriterLock;
import io.lnkv.migrate.MigrationProgress;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a folder as a {@link FilesystemStoreV2}, migrating it from the v1 layout first if needed,
 * with ldk-node's crash-safe folder steps, so a folder migrated by either tool reads in both.
 *
 * <p>For a store folder {@code F}:
 *
 * <ol>
 *   <li>copy every key of the v1 store {@code F} into a new v2 store {@code F_v2_migrating} (every
 *       write durable);
 *   <li>rename {@code F} to {@code F_v1_backup}, then {@code F_v2_migrating} to {@code F};
 *   <li>fsync the parent folder.
 * </ol>
 *
 * On the next open after a crash: if {@code F} exists, a leftover {@code F_v2_migrating} is deleted
 * (and the migration starts again if {@code F} is still v1); else if {@code F_v1_backup} exists,
 * {@code F_v2_migrating} is deleted and the backup renamed back to {@code F}, to migrate again;
 * else {@code F_v2_migrating} is complete and is renamed to {@code F}. The v1 data stays in {@code
 * F_v1_backup}; delete it once the node runs well on v2.
 *
 * <p>Unlike ldk-node, which writes every key fresh, each key keeps its v1 file's mtime, so pages
 * keep the order in which the v1 keys were last written.
 */
public final class FilesystemMigration {
  private static final Logger log = LoggerFactory.getLogger(FilesystemMigration.class);

  private FilesystemMigration() {}

  /** {@link #openOrMigrateToV2(Path, MigrationProgress)} without progress. */
  public static FilesystemStoreV2 openOrMigrateToV2(Path folder) {
    return openOrMigrateToV2(folder, MigrationProgress.NONE);
  }

  /**
   * Opens {@code folder} as a v2 store, first finishing an interrupted migration and migrating v1
   * data.
   *
   * @throws io.lnkv.StoreLockedException if another writer holds the folder
   * @throws StoreException if a step failed; the folders are left in a state the next call recovers
   *     from
   */
  public static FilesystemStoreV2 openOrMigrateToV2(Path folder, MigrationProgress progress) {
    Path dir = folder.toAbsolutePath().normalize();
    Path migrating = dir.resolveSibling(dir.getFileName() + "_v2_migrating");
    Path backup = dir.resolveSibling(dir.getFileName() + "_v1_backup");
    try {
      // Held from the recovery of an interrupted migration to the end of this one: another process
      // migrating the same folder must not see, or recover, the folders half renamed.
      WriterLock migrationLock = lockMigration(dir);
      try {
        recoverInterrupted(dir, migrating, backup);
        try {
          return FilesystemStoreV2.open(dir);
        } catch (IncompatibleStoreException v1Found) {
          log.info("Migrating {} from the v1 to the v2 layout", dir);
        }
        migrate(dir, migrating, backup, progress);
        return FilesystemStoreV2.open(dir);
      } finally {
        migrationLock.close();
      }
    } catch (IOException e) {
      throw new StoreException(
          "Failed to migrate " + dir + " to FilesystemStoreV2: " + e + "; run it again to resume",
          e);
    }
  }

  /** The lock of migrations of {@code dir}, beside it: {@code .<folder>_migration.lnkv-lock}. */
  static WriterLock lockMigration(Path dir) throws IOException {
    DurableDirectories.create(dir.getParent());
    return WriterLock.acquire(
        dir.getParent(), dir.getFileName() + "_migration", "FilesystemMigration");
  }

  private static void recoverInterrupted(Path dir, Path migrating, Path backup) throws IOException {
    if (Files.exists(dir)) {
      deleteTree(migrating);
    } else if (Files.exists(backup)) {
      deleteTree(migrating);
      // Not synced: the migration that follows syncs this folder after its own renames, and a cut
      // before that leaves the folders as they were, which this recovery handles again.
      Files.move(backup, dir, StandardCopyOption.ATOMIC_MOVE);
    } else if (Files.exists(migrating)) {
      Files.move(migrating, dir, StandardCopyOption.ATOMIC_MOVE);
      // Synced: the store opened next is written to, and a cut that undid the rename would leave
      // those writes in the _v2_migrating folder, where a plain FilesystemStoreV2.open does not
      // look. The power-cut harness cannot show this: its images never lose both the folder and
      // its v1 backup, the only way into this branch (short of deleting them by hand).
      FsFiles.fsyncDirectory(dir.getParent());
    }
  }

  private static void migrate(Path dir, Path migrating, Path backup, MigrationProgress progress)
      throws IOException {
    if (Files.exists(backup)) {
      throw new StoreException(
          "Cannot migrate " + dir + ": " + backup + " already exists; move it away first");
    }
    try (FilesystemStore v1 = FilesystemStore.open(dir)) {
      try (FilesystemStoreV2 v2 = FilesystemStoreV2.open(migrating)) {
        List<ScopedKey> keys = v1.listAllKeys();
        long copied = 0;
        progress.onProgress(0, keys.size());
        for (ScopedKey key : keys) {
          Path source = v1.fileOf(key);
          FileTime created = Files.getLastModifiedTime(source);
          byte[] value = FsFiles.readOrNull(source);
          if (value != null) {
            v2.writeFile(v2.fileOf(key), value, created, true);
          }
          progress.onProgress(++copied, keys.size());
        }
      }
      // v1 still holds the folder's lock (its lock file is named after the folder, so it keeps
      // guarding whatever folder carries the name) while the two renames swap the folders.
      Files.move(dir, backup, StandardCopyOption.ATOMIC_MOVE);
      Files.move(migrating, dir, StandardCopyOption.ATOMIC_MOVE);
      FsFiles.fsyncDirectory(dir.getParent());
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
