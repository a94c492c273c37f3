package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.KVStore;
import io.lnkv.StoreException;
import io.lnkv.testkit.disk.SimulatedDisk;
import io.lnkv.testkit.disk.SimulatedDisk.Operation;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * close() while writes are in flight. A write that had passed the open check and waited (for its
 * key's turn behind another write) used to run after close() had returned, released the writer lock
 * and the files to whoever opened the store next, and report success. Now close() waits for what
 * runs, and what had not started fails as closed.
 */
class CloseWhileWritingTest {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.lnkv.testkit.FilesystemStores#both")
  void noWriteRunsAfterCloseReturned(String name, Function<Path, KVStore> open) throws Exception {
    SimulatedDisk disk = SimulatedDisk.create();
    KVStore store = open.apply(disk.path("/data"));
    store.write("p", "", "k", new byte[] {1});
    DiskHold first =
        DiskHold.of(
            disk,
            (op, path) -> op == Operation.FSYNC,
            () -> store.write("p", "", "k", new byte[] {2}));
    first.awaitHeld();

    AtomicBoolean closeReturned = new AtomicBoolean();
    AtomicReference<String> second = new AtomicReference<>();
    Thread waiting =
        new Thread(
            () -> {
              try {
                store.write("p", "", "k", new byte[] {3}); // waits for the first's turn
                second.set(closeReturned.get() ? "written after close returned" : "written");
              } catch (StoreException e) {
                second.set("refused: " + e.getMessage());
              }
            },
            "second");
    waiting.start();
    Thread.sleep(200); // the second has passed the open check and waits for its turn
    Thread closer =
        new Thread(
            () -> {
              store.close();
              closeReturned.set(true);
            },
            "closer");
    closer.start();
    Thread.sleep(200); // close() has begun
    first.releaseAndJoin();
    closer.join(20_000);
    waiting.join(20_000);

    assertThat(closeReturned).isTrue();
    assertThat(second.get())
        .as(name)
        .matches(
            s -> s.equals("written") || s.startsWith("refused: "), "ran before close returned");
    disk.injectFault(null);
    try (KVStore reopened = open.apply(disk.path("/data"))) {
      assertThat(reopened.read("p", "", "k")[0]).isIn((byte) 2, (byte) 3);
    }
  }
}
