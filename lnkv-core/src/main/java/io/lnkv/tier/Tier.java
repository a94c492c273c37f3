package io.lnkv.tier;

import io.lnkv.KeyNotFoundException;
import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;

/**
 * One store in a {@link TierStore} and the role it plays there ("primary", "backup", "ephemeral").
 * The builder only accepts stores that are both paginated and migratable.
 */
record Tier(String role, PaginatedKVStore store) {
  MigratableKVStore all() {
    return (MigratableKVStore) store;
  }

  /** The value, or null when the key holds none. */
  byte[] readOrNull(ScopedKey k) {
    try {
      return store.read(k.primaryNamespace(), k.secondaryNamespace(), k.key());
    } catch (KeyNotFoundException e) {
      return null;
    }
  }

  /** Writes the value, or removes the key when {@code value} is null. */
  void put(ScopedKey k, byte[] value, boolean lazy) {
    if (value == null) {
      store.remove(k.primaryNamespace(), k.secondaryNamespace(), k.key(), lazy);
    } else {
      store.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), value);
    }
  }

  @Override
  public String toString() {
    return role + " (" + store + ")";
  }
}
