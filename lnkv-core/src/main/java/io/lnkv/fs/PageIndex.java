package io.lnkv.fs;

import io.lnkv.Page;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest-first order of the keys of every scope that has been paged, kept in memory while a
 * writable store is open: a page is then a walk of one page of a sorted set, not a scan and sort of
 * the whole folder, which is what LDK's v2 does for every page (at 100,000 keys, a scan is 100,000
 * directory entries and as many {@code stat} calls per page).
 *
 * <p>A scope's order is built from one scan at its first page, then kept up to date by the store's
 * own writes, removals and batches, after each has changed the folder. Those are the only changes:
 * the folder lock keeps every other writer out. A file changed in the folder by hand while the
 * store is open shows in pages once the store is reopened. Read-only stores do not use it (the
 * writer is another process).
 *
 * <p>Memory: one entry per key of each paged scope (the name, its creation time and two references
 * to them; {@code lnkv bench} reports the heap at 1,000,000 keys), held until the store is closed.
 * Scopes never paged cost nothing.
 *
 * <p>Thread-safe: each scope has its own lock. A scope's build holds it for the scan, so a change
 * made meanwhile waits and is applied after the scan; since every change is applied after the file
 * operation it reflects, and applying it is idempotent, the order ends equal to the folder.
 */
final class PageIndex {
  /** The order of one scope; guarded by itself. */
  private static final class Scope {
    final NavigableSet<FolderEntries.KeyFile> order = new TreeSet<>(FolderEntries.NEWEST_FIRST);
    final Map<String, FolderEntries.KeyFile> byName = new HashMap<>();
    boolean built;

    void put(FolderEntries.KeyFile entry) {
      FolderEntries.KeyFile old = byName.put(entry.name(), entry);
      if (old != null) {
        order.remove(old);
      }
      order.add(entry);
    }

    void remove(String name) {
      FolderEntries.KeyFile old = byName.remove(name);
      if (old != null) {
        order.remove(old);
      }
    }
  }

  /** Reads a scope's keys from the folder. */
  @FunctionalInterface
  interface Scan {
    List<FolderEntries.KeyFile> keys() throws IOException;
  }

  private final Map<Path, Scope> scopes = new ConcurrentHashMap<>();

  /**
   * One page of the scope in folder {@code dir}, after the position {@code after} (null: the first
   * page); the first page of a scope builds its order with {@code scan}.
   */
  Page page(Path dir, FolderEntries.KeyFile after, int pageSize, Scan scan) throws IOException {
    Scope scope = scopes.computeIfAbsent(dir, d -> new Scope());
    synchronized (scope) {
      if (!scope.built) {
        for (FolderEntries.KeyFile k : scan.keys()) {
          scope.put(k);
        }
        scope.built = true; // a failed scan leaves it unbuilt: the next page scans again
      }
      return FolderEntries.pageOfSorted(
          after == null ? scope.order : scope.order.tailSet(after, false), pageSize);
    }
  }

  /** Records that {@code file} now holds a key created at {@code createdMillis}. */
  void put(Path file, long createdMillis) {
    Scope scope = scopes.get(file.getParent());
    if (scope != null) {
      synchronized (scope) {
        scope.put(new FolderEntries.KeyFile(file.getFileName().toString(), createdMillis));
      }
    }
  }

  /**
   * Drops the order of the scope in folder {@code dir}, after a change that failed part-way (the
   * file may or may not have changed): its next page scans the folder again.
   */
  void forget(Path dir) {
    scopes.remove(dir);
  }

  /** Records that {@code file} no longer holds a key. */
  void remove(Path file) {
    Scope scope = scopes.get(file.getParent());
    if (scope != null) {
      synchronized (scope) {
        scope.remove(file.getFileName().toString());
      }
    }
  }
}
