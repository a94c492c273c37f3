package io.lnkv.queue;

/**
 * What a {@link QueuedStore#commit()} did.
 *
 * @param applied operations applied to the wrapped store
 * @param stillQueued operations queued after the commit (failed, not reached, or queued meanwhile)
 * @param atomic whether the operations were applied as one all-or-nothing batch; false when the
 *     wrapped store has no atomic batches and they were applied one by one
 */
public record CommitResult(int applied, int stillQueued, boolean atomic) {}
