/**
 * Stores in a folder, in LDK's layouts: {@link io.lnkv.fs.FilesystemStore} (v1) and {@link
 * io.lnkv.fs.FilesystemStoreV2}, and {@link io.lnkv.fs.FilesystemMigration}, ldk-node's crash-safe
 * v1-to-v2 migration.
 *
 * <p>Where things live: what both layouts share is {@code AbstractFilesystemStore} (reads, writes,
 * removes, listings, refusing calls after a failed I/O); the durable write and remove sequences
 * (temp file, fsync, rename, directory fsync) are {@code FsFiles}; opening (create, lock, check,
 * recover) is {@code FolderOpening}; which entries are keys, and the page order and token, {@code
 * FolderEntries}; the in-memory newest-first order of paged scopes {@code PageIndex}; atomic
 * batches are the {@code CommitJournal} (one append and fdatasync per batch, replayed at open), and
 * what a read-only opener lays over the files from it is {@code PendingBatches}. The single-writer
 * lock is {@link io.lnkv.internal.WriterLock}.
 */
package io.lnkv.fs;
