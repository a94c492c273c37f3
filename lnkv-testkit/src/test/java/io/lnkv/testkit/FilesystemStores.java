package io.lnkv.testkit;

import io.lnkv.KVStore;
import io.lnkv.fs.FilesystemStore;
import io.lnkv.fs.FilesystemStoreV2;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Both filesystem stores, by name and opener, for tests parameterized over them. */
final class FilesystemStores {
  private FilesystemStores() {}

  /** For {@code @MethodSource("io.lnkv.testkit.FilesystemStores#both")}. */
  static Stream<Arguments> both() {
    return Stream.of(
        Arguments.of("FilesystemStore", (Function<Path, KVStore>) FilesystemStore::open),
        Arguments.of("FilesystemStoreV2", (Function<Path, KVStore>) FilesystemStoreV2::open));
  }
}
