package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.ScopedKey;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A thread with its interrupt status set writes through a filesystem store: every durable write
 * completes (an interrupted FileChannel closes, which broke the commit log and refused every later
 * batch until a restart, and made a checkpoint's wait for its fsyncs give up), and the interrupt is
 * still there for the caller's next blocking call.
 */
class FilesystemInterruptTest {
  @TempDir Path tmp;

  static Stream<Arguments> stores() {
    return Stream.of(
        Arguments.of("FilesystemStore", (Function<Path, KVStore>) FilesystemStore::open),
        Arguments.of("FilesystemStoreV2", (Function<Path, KVStore>) FilesystemStoreV2::open));
  }

  private static List<BatchOp> batch(String key, int value) {
    return List.of(
        new BatchOp.Write(ScopedKey.of("p", "", key), new byte[] {(byte) value}),
        new BatchOp.Write(ScopedKey.of("p", "s", key), new byte[] {(byte) value}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void writesOnAnInterruptedThread_complete_andKeepTheInterrupt(
      String name, Function<Path, KVStore> open) {
    Path dir = tmp.resolve(name);
    KVStore store = open.apply(dir);
    try {
      Thread.currentThread().interrupt();
      store.writeBatch(batch("batched", 1));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      store.write("p", "", "single", new byte[] {2});
      store.remove("p", "s", "batched", false);
      store.writeBatch(batch("again", 3));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      store.close(); // checkpoints the commit log: waits for its fsyncs
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }

    try (KVStore reopened = open.apply(dir)) {
      assertThat(reopened.read("p", "", "batched")).containsExactly(1);
      assertThat(reopened.read("p", "", "single")).containsExactly(2);
      assertThat(reopened.list("p", "s")).containsExactly("again");
      assertThat(reopened.read("p", "", "again")).containsExactly(3);
    }
  }
}
