package io.lnkv;

import java.util.concurrent.CompletableFuture;

/**
 * A store that lists a scope page by page, newest-created first.
 *
 * <ul>
 *   <li>Order: reverse creation order. Rewriting a key never moves it; removing a key and writing
 *       it again makes it the newest.
 *   <li>A listing started with no token and followed token by token returns every key that existed
 *       throughout exactly once, even while other keys are written or removed between pages. Keys
 *       created meanwhile may or may not appear.
 *   <li>A token whose key was removed meanwhile still works: the listing resumes at the next
 *       position.
 *   <li>An unknown scope, or a listing past the end, gives an empty page without a token.
 *   <li>Pages hold {@link #DEFAULT_PAGE_SIZE} keys unless the store was configured otherwise.
 * </ul>
 */
public interface PaginatedKVStore extends KVStore {
  /** The page size of every LDK store, and the default of every lnkv store. */
  int DEFAULT_PAGE_SIZE = 50;

  /**
   * Returns one page of the scope's keys, newest-created first.
   *
   * @param pageToken null for the first page, else the token of the previous page
   * @throws InvalidKeyException if a namespace breaks {@link KeyRules}
   * @throws IllegalArgumentException if the token was not produced by this kind of store
   * @throws StoreException if the listing failed
   */
  Page listPaginated(String primaryNamespace, String secondaryNamespace, PageToken pageToken);

  /** {@link #listPaginated} on the store's I/O threads. */
  CompletableFuture<Page> listPaginatedAsync(
      String primaryNamespace, String secondaryNamespace, PageToken pageToken);
}
