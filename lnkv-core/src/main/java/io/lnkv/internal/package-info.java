/**
 * Not API: the mechanics lnkv's own modules share. Public only because Java packages cannot be
 * shared between jars otherwise; anything here may change in any release. Write your own store on
 * {@link io.lnkv.spi.AbstractKVStore} instead.
 *
 * <p>Where things live. Files: {@code OwnFiles} (open only what lnkv made, never through a link),
 * {@code OwnerOnly} (permissions), {@code DurableDirectories} (directory fsync), {@code
 * Uninterruptible} (durable I/O that interrupts cannot cut short), {@code RecordLog} and {@code
 * RecordFields} (the checksummed write-ahead log format and its hostile-input reading). Single
 * writer: {@code WriterLock} (the lock file beside a store), {@code InodeLock} ({@code flock} on
 * the store itself, when JNA is present), {@code ThisProcess} (how a holder names itself). SQL:
 * {@code Transactions} (the one transaction helper), {@code GroupCommitter} (SQLite's group
 * commit), {@code CachingConnection}, {@code SqlKeyValueTable} (ldk-node's table, both dialects),
 * {@code InDoubt} (whether a failure may have taken effect). Calls: {@code WriteOrdering} (LDK's
 * per-key call order, behind {@code AbstractKVStore}). Misc: {@code Backoff}, {@code
 * DaemonThreads}, {@code Secrets} (masking URLs in messages).
 */
package io.lnkv.internal;
