package io.lnkv.fs;

import io.lnkv.IncompatibleStoreException;
import io.lnkv.internal.WriterLock;
import io.lnkv.spi.AbstractKVStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A store in a folder, in LDK's FilesystemStoreV2 layout: every key at {@code root/p/s/k}, where an
 * empty namespace is the folder {@value #EMPTY_NAMESPACE_DIR}. Keys page newest-created first,
 * creation time kept in the file's mtime (a rewrite keeps it), with LDK's page-token format ({@code
 * <16-digit mtime ms>:<key>}).
 *
 * <p>Opening refuses a folder holding v1 data (a regular file at its top level or in a first-level
 * folder) with {@link IncompatibleStoreException}; {@link FilesystemMigration} migrates it,
 * crash-safely, keeping creation order.
 *
 * <p>Durability, single writer, recovery and listing are as in {@link FilesystemStore}. New keys
 * take the current time as mtime, raised to one millisecond past the newest mtime the store has
 * seen so that creation order is strict even within one millisecond (a burst of writes can put
 * mtimes slightly ahead of the clock). Thread-safe.
 */
public final class FilesystemStoreV2 extends AbstractFilesystemStore {
  /** The folder name that stands for an empty namespace (brackets are outside the alphabet). */
  public static final String EMPTY_NAMESPACE_DIR = "[empty]";

  private static final String KIND = "FilesystemStoreV2";

  private FilesystemStoreV2(Path root, WriterLock lock, Builder builder) throws IOException {
    super(KIND, root, lock, builder);
  }

  /**
   * Opens (creating if needed) the store in {@code folder} with the default settings.
   *
   * @throws io.lnkv.StoreLockedException if another writer holds the folder
   * @throws IncompatibleStoreException if the folder holds v1 data
   * @throws io.lnkv.StoreException if the folder cannot be created or read
   */
  public static FilesystemStoreV2 open(Path folder) {
    return builder(folder).build();
  }

  /** A builder for a store in {@code folder}. */
  public static Builder builder(Path folder) {
    return new Builder(folder);
  }

  /** Opens a store on a folder whose lock the caller (the migration) already holds. */
  static FilesystemStoreV2 openLocked(Path root, WriterLock lock, Builder settings)
      throws IOException {
    return new FilesystemStoreV2(root, lock, settings);
  }

  @Override
  Path scopeDir(String primary, String secondary) {
    return root().resolve(folderName(primary)).resolve(folderName(secondary));
  }

  private static String folderName(String namespace) {
    return namespace.isEmpty() ? EMPTY_NAMESPACE_DIR : namespace;
  }

  @Override
  String namespaceOf(String folderName) {
    return folderName.equals(EMPTY_NAMESPACE_DIR) ? "" : folderName;
  }

  @Override
  boolean keysAt(int depth) {
    return depth == 2;
  }

  /** LDK's v1 detection: a regular file at the top level or in a first-level folder. */
  static void refuseV1(Path root) throws IOException {
    try (DirectoryStream<Path> top = Files.newDirectoryStream(root)) {
      for (Path entry : top) {
        if (entry.getFileName().toString().equals(CommitJournal.PENDING_MARKER)) {
          continue; // lnkv's own: batches wait in the commit log beside the folder
        }
        if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
          throw v1Detected(root, entry);
        }
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          try (DirectoryStream<Path> second = Files.newDirectoryStream(entry)) {
            for (Path inner : second) {
              if (Files.isRegularFile(inner, LinkOption.NOFOLLOW_LINKS)) {
                throw v1Detected(root, inner);
              }
            }
          }
        }
      }
    }
  }

  /**
   * The refusal of a folder with a file where v2 has none: LDK v1 data (advise the migration) only
   * when the file could be a v1 key (a valid key name, in the root or in a folder with a valid
   * namespace name); anything else is a folder of foreign files, which no migration would help.
   */
  private static IncompatibleStoreException v1Detected(Path root, Path file) {
    String name = file.getFileName().toString();
    Path parent = file.getParent();
    boolean v1Key =
        io.lnkv.KeyRules.isValidPart(name)
            && !name.isEmpty()
            && (parent.equals(root)
                || io.lnkv.KeyRules.isValidPart(parent.getFileName().toString()));
    if (!v1Key) {
      return new IncompatibleStoreException(
          "Cannot open "
              + root
              + " as a FilesystemStoreV2: it holds files that are no LDK store's (found "
              + file
              + ", not a key's name); check the path. Nothing was changed");
    }
    return new IncompatibleStoreException(
        "Cannot open "
            + root
            + " as a FilesystemStoreV2: it holds FilesystemStore (v1) data (found file "
            + file
            + "); migrate it with FilesystemMigration.openOrMigrateToV2("
            + root
            + "), or open it with FilesystemStore");
  }

  /** Settings of a {@link FilesystemStoreV2}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    private final Path folder;

    private Builder(Path folder) {
      this.folder = Objects.requireNonNull(folder, "folder");
    }

    /** Opens the store; see {@link FilesystemStoreV2#open}. */
    public FilesystemStoreV2 build() {
      return FolderOpening.open(
          folder,
          KIND,
          isReadOnly(),
          FilesystemStoreV2::refuseV1,
          (root, lock) -> new FilesystemStoreV2(root, lock, this));
    }

    Path folder() {
      return folder;
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
