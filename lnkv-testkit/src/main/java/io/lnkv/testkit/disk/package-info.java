/**
 * {@link io.lnkv.testkit.disk.SimulatedDisk}: a {@code java.nio.file} file system in memory with
 * the durability rules of a POSIX disk after a power cut (only what was fsynced survives; random
 * legal images with torn sectors; injected I/O errors), for the {@link
 * io.lnkv.testkit.PowerCutHarness} and for any test of code that must survive a power cut.
 */
package io.lnkv.testkit.disk;
