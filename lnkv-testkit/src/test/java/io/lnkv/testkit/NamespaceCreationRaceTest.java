package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.KVStore;
import io.lnkv.testkit.disk.SimulatedDisk;
import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two threads write the first keys of a new namespace. The first creates the namespace's folder and
 * is held just before it syncs the folder into its parent; the second finds the folder there,
 * writes, syncs and is acknowledged. A power cut then must not lose the second's key: it returned
 * without the folder's creation being durable.
 */
class NamespaceCreationRaceTest {
  @ParameterizedTest(name = "{0}")
  @MethodSource("io.lnkv.testkit.FilesystemStores#both")
  void aKeyAcknowledgedInAFolderAnotherThreadIsCreating_survivesAPowerCut(
      String name, Function<Path, KVStore> open) throws Exception {
    SimulatedDisk disk = SimulatedDisk.create();
    KVStore store = open.apply(disk.path("/data"));
    Set<Path> created = new HashSet<>();
    DiskHold first =
        DiskHold.of(
            disk,
            (op, path) -> {
              if (op == Operation.MKDIR) {
                created.add(path);
              }
              return op == Operation.FSYNC
                  && created.stream().anyMatch(d -> path.equals(d.getParent()));
            },
            () -> store.write("fresh", "", "first", new byte[] {1}));
    first.awaitHeld(); // it created the folder and has not synced it into its parent

    store.write("fresh", "", "second", new byte[] {2}); // acknowledged
    SimulatedDisk after = disk.durableCopy(); // the power cut, while the first is still held

    first.releaseAndJoin();
    store.close();
    try (KVStore reopened = open.apply(after.path("/data"))) {
      assertThat(reopened.read("fresh", "", "second")).as(name).containsExactly(2);
    }
  }
}
