package io.lnkv.fs;

import io.lnkv.CorruptedDataException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.KeyRules;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.function.UnaryOperator;

/**
 * How a store folder's entries are keys, for both layouts: the keys of one scope with their
 * creation times, the walk of all keys, the names they must have, the newest-created-first page
 * order and LDK v2's page token. An entry with no place in the layout (a bad name, a folder too
 * deep, something that is neither file nor folder) fails with {@link CorruptedDataException} naming
 * it; a file where a namespace folder should be fails the listing, as in LDK. Reads only.
 */
final class FolderEntries {
  /** A key file and its mtime in milliseconds (its creation time). */
  record KeyFile(String name, long mtimeMillis) {}

  /** Pages sort by mtime descending, then key descending, as LDK's v2 does. */
  static final Comparator<KeyFile> NEWEST_FIRST =
      Comparator.comparingLong(KeyFile::mtimeMillis).thenComparing(KeyFile::name).reversed();

  private final Path root;
  private final String store;
  private final UnaryOperator<String> namespaceOf;
  private final IntPredicate keysAt;

  /**
   * @param store how messages name the store
   * @param namespaceOf the namespace a folder name stands for
   * @param keysAt whether files directly at a depth (0 = root) are keys
   */
  FolderEntries(Path root, String store, UnaryOperator<String> namespaceOf, IntPredicate keysAt) {
    this.root = root;
    this.store = store;
    this.namespaceOf = namespaceOf;
    this.keysAt = keysAt;
  }

  /** Every key in the folder; temporary files are left out. */
  List<ScopedKey> allKeys() throws IOException {
    List<ScopedKey> all = new ArrayList<>();
    walk(root, 0, "", "", all);
    return all;
  }

  /**
   * Opening's check that the folder is a store of this kind: every entry a key file, a namespace
   * folder or a temporary file, all names valid. A folder of foreign files is refused, never
   * adopted: a reader would show them as keys, a writer's recovery would delete their temporary
   * files.
   *
   * @throws IncompatibleStoreException naming the first entry that has no place
   */
  void checkEveryEntry(String kind) throws IOException {
    try {
      walk(root, 0, "", "", new ArrayList<>());
    } catch (CorruptedDataException e) {
      if (!(e.getCause() instanceof Misplaced m)) {
        throw e;
      }
      throw new IncompatibleStoreException(
          "Cannot open "
              + root
              + " as a "
              + kind
              + ": it is not one, it holds "
              + root.relativize(m.entry)
              + " ("
              + m.why
              + "). Check the path and the store kind (fs: is LDK's v1 layout, fs2: its v2); if"
              + " something else wrote into a store folder, move that entry out",
          e);
    }
  }

  /** The keys (regular files) in {@code dir}, with their mtimes; empty if it does not exist. */
  List<KeyFile> scan(Path dir) throws IOException {
    List<KeyFile> out = new ArrayList<>();
    for (Path child : children(dir)) {
      String name = child.getFileName().toString();
      if (FsFiles.isArtifact(name)) {
        continue;
      }
      BasicFileAttributes attrs = FsFiles.attributesOrNull(child);
      if (attrs == null || attrs.isDirectory()) {
        continue; // removed since the directory was read (so absent now), or a namespace
      }
      if (!attrs.isRegularFile()) {
        throw unexpected(child, "neither a key file nor a namespace folder");
      }
      out.add(new KeyFile(checkedName(child, name), attrs.lastModifiedTime().toMillis()));
    }
    return out;
  }

  /**
   * The entries of {@code dir}; none if it does not exist. A file where the folder should be fails,
   * as in LDK: a node that listed its channel monitors as none would start without them.
   */
  List<Path> children(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(out::add);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (NotDirectoryException e) {
      throw new CorruptedDataException(
          "Cannot list "
              + dir
              + " in "
              + store
              + ": it (or a folder above it) is a file, where a namespace folder should be; the"
              + " store folder is damaged or was changed by hand. Move the file out of the store"
              + " folder once you know what it is",
          e);
    }
    return out;
  }

  /** One page of {@code keys}, newest created first, after the position {@code after}. */
  static Page page(List<KeyFile> keys, KeyFile after, int pageSize) {
    List<KeyFile> sorted = new ArrayList<>(keys.size());
    for (KeyFile e : keys) {
      if (after == null || NEWEST_FIRST.compare(e, after) > 0) {
        sorted.add(e); // after the token's position
      }
    }
    sorted.sort(NEWEST_FIRST);
    return pageOfSorted(sorted, pageSize);
  }

  /** The first {@code pageSize} of keys already sorted newest first, and the token after them. */
  static Page pageOfSorted(Iterable<KeyFile> sorted, int pageSize) {
    List<String> page = new ArrayList<>(pageSize);
    KeyFile last = null;
    for (KeyFile e : sorted) {
      if (page.size() == pageSize) {
        return new Page(page, Optional.of(formatToken(last)));
      }
      page.add(e.name());
      last = e;
    }
    return Page.last(page);
  }

  /** LDK v2's token: the mtime as 16 zero-padded decimal digits, {@code :}, the key. */
  private static PageToken formatToken(KeyFile entry) {
    return new PageToken(String.format("%016d:%s", entry.mtimeMillis(), entry.name()));
  }

  /**
   * The position a token names.
   *
   * @throws IllegalArgumentException if it is not LDK v2's token format
   */
  static KeyFile parseToken(PageToken token) {
    String s = token.value();
    if (s.length() < 17 || s.charAt(16) != ':') {
      throw new IllegalArgumentException(
          "Invalid page token '" + s + "': expected 16 digits, ':' and a key");
    }
    try {
      return new KeyFile(s.substring(17), Long.parseUnsignedLong(s.substring(0, 16)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Invalid page token '" + s + "': the first 16 characters are not a number", e);
    }
  }

  private void walk(Path dir, int depth, String primary, String secondary, List<ScopedKey> out)
      throws IOException {
    for (Path child : children(dir)) {
      String name = child.getFileName().toString();
      BasicFileAttributes attrs = FsFiles.attributesOrNull(child);
      if (attrs == null || FsFiles.isArtifact(name)) {
        continue; // removed meanwhile, or a temporary file
      }
      if (attrs.isDirectory()) {
        if (depth == 2) {
          throw unexpected(
              child, "a folder below the second level: only two levels of namespaces exist");
        }
        String ns = namespaceOf.apply(name);
        if (!ns.isEmpty()) {
          checkedName(child, ns);
        }
        walk(child, depth + 1, depth == 0 ? ns : primary, depth == 1 ? ns : secondary, out);
      } else if (attrs.isRegularFile() && keysAt.test(depth)) {
        out.add(ScopedKey.of(primary, secondary, checkedName(child, name)));
      } else {
        throw unexpected(child, "neither a key file nor a namespace folder");
      }
    }
  }

  private String checkedName(Path entry, String name) {
    if (!KeyRules.isValidPart(name) || name.isEmpty()) {
      throw unexpected(entry, "its name is not a valid namespace or key");
    }
    return name;
  }

  private CorruptedDataException unexpected(Path entry, String why) {
    return new CorruptedDataException(
        "Unexpected entry "
            + entry
            + " in "
            + store
            + ": "
            + why
            + "; move it out of the store folder",
        new Misplaced(entry, why));
  }

  /** The cause of an unexpected-entry failure: which entry, and why it has no place. */
  private static final class Misplaced extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Path entry;
    final String why;

    Misplaced(Path entry, String why) {
      super(why, null, false, false);
      this.entry = entry;
      this.why = why;
    }
  }
}
