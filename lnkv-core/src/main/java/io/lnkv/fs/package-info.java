/**
 * Stores in a folder, in LDK's layouts: {@link io.lnkv.fs.FilesystemStore} (v1) and {@link
 * io.lnkv.fs.FilesystemStoreV2}, and {@link io.lnkv.fs.FilesystemMigration}, ldk-node's crash-safe
 * v1-to-v2 migration. The write sequence (temp file, fsync, rename, directory fsync) is described
 * in {@code FsFiles}; the single-writer lock in {@link io.lnkv.internal.WriterLock}.
 */
package io.lnkv.fs;
