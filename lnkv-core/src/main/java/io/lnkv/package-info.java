/**
 * The contract: {@link io.lnkv.KVStore} (LDK's key-value persistence, blocking and asynchronous),
 * {@link io.lnkv.PaginatedKVStore} (newest-created-first pages), {@link io.lnkv.MigratableKVStore}
 * (exhaustive enumeration), atomic batches ({@link io.lnkv.BatchOp}), LDK's key rules ({@link
 * io.lnkv.KeyRules}) and the exception hierarchy rooted at {@link io.lnkv.StoreException}. Stores
 * live in the feature packages ({@code io.lnkv.fs}, {@code io.lnkv.memory}, …).
 */
package io.lnkv;
