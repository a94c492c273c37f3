package io.lnkv.testkit;

import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import java.util.ArrayList;
import java.util.List;

/** Reading every page of a scope, for tests. */
public final class Pages {
  private Pages() {}

  /** The keys of one scope in page order, following tokens to the last page. */
  public static List<String> all(PaginatedKVStore store, String primary, String secondary) {
    List<String> keys = new ArrayList<>();
    PageToken token = null;
    do {
      Page page = store.listPaginated(primary, secondary, token);
      keys.addAll(page.keys());
      token = page.nextPageToken().orElse(null);
    } while (token != null);
    return keys;
  }
}
