/**
 * {@link io.lnkv.testkit.disk.SimulatedDisk}: a {@code java.nio.file} file system in memory with
 * the durability rules of a POSIX disk after a power cut (only what was fsynced survives; random
 * legal images with torn sectors; injected I/O errors), for the {@link
 * io.lnkv.testkit.PowerCutHarness} and for any test of code that must survive a power cut.
 *
 * <p>Where things live: the durability model is in the inodes: {@code FileInode} (what a reader
 * sees, what is on the platter, and the writes in between) and {@code DirInode} (the same for
 * names: creates, unlinks, either half of a rename), under {@code Inode}; {@code SimulatedDisk}
 * cuts the power and draws the legal images. The {@code java.nio.file} face is {@code
 * SimFileSystemProvider} (every operation, under the disk's lock), {@code SimFileChannel}, {@code
 * SimFileSystem}, {@code SimFileStore}, {@code SimPath} and {@code SimAttributes}.
 */
package io.lnkv.testkit.disk;
