package io.lnkv.fs;

import io.lnkv.IncompatibleStoreException;
import io.lnkv.internal.WriterLock;
import io.lnkv.spi.AbstractKVStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A store in a folder, in LDK's FilesystemStore (v1) layout, which LDK and ldk-node read and write:
 * {@code ("", "", k)} at {@code root/k}, {@code (p, "", k)} at {@code root/p/k}, {@code (p, s, k)}
 * at {@code root/p/s/k}.
 *
 * <h2>Durability</h2>
 *
 * A write goes to {@code <key>.<n>.tmp} beside its destination, is fsynced, renamed over the
 * destination and the folder is fsynced (see {@code FsFiles.writeAtomically}); new namespace
 * folders are fsynced into their parents too. A crash at any point leaves the old value or the new
 * one, never a mix. A remove unlinks the file and, unless lazy, fsyncs the folder.
 *
 * <h2>Beyond LDK's v1</h2>
 *
 * <ul>
 *   <li>Creation order: a rewrite keeps the file's mtime, so {@link #listPaginated} pages
 *       newest-created first. Files that LDK itself rewrote carry their last write time instead.
 *   <li>Single writer: opening takes a lock file beside the folder ({@code .<folder>.lnkv-lock}),
 *       refusing a second writer; nothing is added inside the folder.
 *   <li>Opening deletes temporary files that a crash left behind, and refuses a v2 folder.
 * </ul>
 *
 * <p>Pages: the first page of a namespace reads its folder once (every name and mtime, as LDK's v2
 * does for every page); from then on the store keeps the namespace's newest-first order in memory,
 * updated by its own writes, removes and batches, so a page costs the same at 100 keys and at a
 * million. The cost is heap: about 170 bytes per key of each namespace paged, until the store is
 * closed. A file put into the folder by hand while the store is open is listed at once by {@link
 * #list}, and in pages of an already paged namespace only after the store is reopened. Read-only
 * stores read the folder for every page.
 *
 * <p>Listing skips temporary files and namespace folders; a file removed while a listing runs is
 * left out of it. An entry that is neither a key file nor a namespace folder, or whose name is not
 * a valid key, fails the listing with {@link io.lnkv.CorruptedDataException}.
 *
 * <p>Atomic batches, which LDK's filesystem store cannot give, through a commit journal beside the
 * folder ({@code .<folder>.lnkv-journal}; see {@code CommitJournal}): a batch is recorded durably,
 * then applied; opening completes a recorded batch interrupted by a crash. Readers never see half a
 * batch. Thread-safe.
 */
public final class FilesystemStore extends AbstractFilesystemStore {
  private static final String KIND = "FilesystemStore";

  private FilesystemStore(Path root, WriterLock lock, Builder builder) throws IOException {
    super(KIND, root, lock, builder);
  }

  /**
   * Opens (creating if needed) the store in {@code folder} with the default settings.
   *
   * @throws io.lnkv.StoreLockedException if another writer holds the folder
   * @throws IncompatibleStoreException if the folder holds a v2 store
   * @throws io.lnkv.StoreException if the folder cannot be created or read
   */
  public static FilesystemStore open(Path folder) {
    return builder(folder).build();
  }

  /** A builder for a store in {@code folder}. */
  public static Builder builder(Path folder) {
    return new Builder(folder);
  }

  @Override
  Path scopeDir(String primary, String secondary) {
    Path dir = root();
    if (!primary.isEmpty()) {
      dir = dir.resolve(primary);
    }
    if (!secondary.isEmpty()) {
      dir = dir.resolve(secondary);
    }
    return dir;
  }

  @Override
  String namespaceOf(String folderName) {
    return folderName;
  }

  @Override
  boolean keysAt(int depth) {
    return true;
  }

  private static void refuseV2(Path root) {
    Path marker = root.resolve(FilesystemStoreV2.EMPTY_NAMESPACE_DIR);
    if (Files.isDirectory(marker)) {
      throw new IncompatibleStoreException(
          "Cannot open "
              + root
              + " as a FilesystemStore (v1): it holds FilesystemStoreV2 data (found "
              + marker
              + "); open it with FilesystemStoreV2");
    }
  }

  /** Settings of a {@link FilesystemStore}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    private final Path folder;

    private Builder(Path folder) {
      this.folder = Objects.requireNonNull(folder, "folder");
    }

    /** Opens the store; see {@link FilesystemStore#open}. */
    public FilesystemStore build() {
      return FolderOpening.open(
          folder,
          KIND,
          isReadOnly(),
          FilesystemStore::refuseV2,
          (root, lock) -> new FilesystemStore(root, lock, this));
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
