package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import io.lnkv.testkit.disk.SimulatedDisk;
import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two threads write the first keys of a new namespace. The first creates the namespace's folder and
 * is held just before it syncs the folder into its parent; the second finds the folder there,
 * writes, syncs and is acknowledged. A power cut then must not lose the second's key: it returned
 * without the folder's creation being durable.
 */
class NamespaceCreationRaceTest {
  static Stream<Arguments> stores() {
    return Stream.of(
        Arguments.of("FilesystemStore", (Function<Path, KVStore>) FilesystemStore::open),
        Arguments.of("FilesystemStoreV2", (Function<Path, KVStore>) FilesystemStoreV2::open));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aKeyAcknowledgedInAFolderAnotherThreadIsCreating_survivesAPowerCut(
      String name, Function<Path, KVStore> open) throws Exception {
    SimulatedDisk disk = SimulatedDisk.create();
    KVStore store = open.apply(disk.path("/data"));
    CountDownLatch firstHeld = new CountDownLatch(1);
    boolean[] release = {false};
    Thread[] first = new Thread[1];
    Set<Path> createdByFirst = new HashSet<>();
    disk.injectFault(
        (op, path, index) -> {
          if (Thread.currentThread() != first[0]) {
            return null;
          }
          if (op == Operation.MKDIR) {
            createdByFirst.add(path);
          } else if (op == Operation.FSYNC
              && createdByFirst.stream().anyMatch(d -> path.equals(d.getParent()))
              && firstHeld.getCount() > 0) {
            firstHeld.countDown();
            // Called with the disk's monitor held: wait() releases it, so the second thread runs.
            while (!release[0]) {
              try {
                disk.wait();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
              }
            }
          }
          return null;
        });
    first[0] = new Thread(() -> store.write("fresh", "", "first", new byte[] {1}), "first");
    first[0].start();
    assertThat(firstHeld.await(20, TimeUnit.SECONDS)).as("first held before its sync").isTrue();

    store.write("fresh", "", "second", new byte[] {2}); // acknowledged
    SimulatedDisk after = disk.durableCopy(); // the power cut, while the first is still held

    synchronized (disk) {
      release[0] = true;
      disk.notifyAll();
    }
    first[0].join(20_000);
    store.close();
    try (KVStore reopened = open.apply(after.path("/data"))) {
      assertThat(reopened.read("fresh", "", "second")).as(name).containsExactly(2);
    }
  }
}
