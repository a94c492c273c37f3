package io.lnkv;

/**
 * A store that can hold a node's whole state: the {@link KVStore} contract with
 * newest-created-first pages ({@link PaginatedKVStore}) and the exhaustive enumeration that
 * migration, backup and verification need ({@link MigratableKVStore}). Every lnkv store is one;
 * code that takes "any lnkv store" takes this type.
 */
public interface NodeStore extends PaginatedKVStore, MigratableKVStore {}
