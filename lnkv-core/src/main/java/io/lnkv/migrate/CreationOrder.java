package io.lnkv.migrate;

import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts keys in the order a copy must write them to keep the source's creation order: scope by
 * scope, oldest created first (the source's pages, newest first, read backwards). A store that
 * assigns creation order on first write then lists the copy exactly as the source lists it.
 */
public final class CreationOrder {
  private CreationOrder() {}

  /**
   * {@code keys}, oldest created first within each scope. Keys the source's pages do not show
   * (created while they were read) come last in their scope; keys the pages show but {@code keys}
   * lacks are left out. A source that does not page keeps the given order.
   */
  public static List<ScopedKey> oldestFirst(Object source, Collection<ScopedKey> keys) {
    if (!(source instanceof PaginatedKVStore paged)) {
      return List.copyOf(keys);
    }
    Map<List<String>, Set<String>> byScope = new LinkedHashMap<>();
    for (ScopedKey k : keys) {
      byScope
          .computeIfAbsent(
              List.of(k.primaryNamespace(), k.secondaryNamespace()), s -> new LinkedHashSet<>())
          .add(k.key());
    }
    List<ScopedKey> out = new ArrayList<>(keys.size());
    for (Map.Entry<List<String>, Set<String>> scope : byScope.entrySet()) {
      String p = scope.getKey().get(0);
      String s = scope.getKey().get(1);
      List<String> newestFirst = new ArrayList<>();
      PageToken token = null;
      do {
        Page page = paged.listPaginated(p, s, token);
        newestFirst.addAll(page.keys());
        token = page.nextPageToken().orElse(null);
      } while (token != null);
      Set<String> wanted = scope.getValue();
      for (int i = newestFirst.size() - 1; i >= 0; i--) {
        if (wanted.remove(newestFirst.get(i))) {
          out.add(ScopedKey.of(p, s, newestFirst.get(i)));
        }
      }
      for (String rest : wanted) {
        out.add(ScopedKey.of(p, s, rest));
      }
    }
    return out;
  }
}
