package io.lnkv;

import java.util.List;

/** A store that can enumerate everything it holds, which migration and verification need. */
public interface MigratableKVStore extends KVStore {
  /**
   * Returns every stored key, in any order. Exhaustive: a key that exists throughout the call is
   * listed.
   *
   * @throws StoreException if the enumeration failed, or found data that is not a valid key
   */
  List<ScopedKey> listAllKeys();
}
