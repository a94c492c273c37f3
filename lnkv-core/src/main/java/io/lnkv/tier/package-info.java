/**
 * {@link io.lnkv.tier.TierStore}: a primary store, an optional backup and an optional store for
 * rebuildable data behind one {@link io.lnkv.KVStore}, with backup modes, a retry journal,
 * backfill, resilver, verify and {@link io.lnkv.tier.Restore restore}.
 */
package io.lnkv.tier;
