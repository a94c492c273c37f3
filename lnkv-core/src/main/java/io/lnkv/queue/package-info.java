/**
 * {@link io.lnkv.queue.QueuedStore}: a node's writes and removes queued in memory (newest per key,
 * read back and listed) and committed together, all-or-nothing on a store with atomic batches.
 */
package io.lnkv.queue;
