package io.lnkv.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.spi.AbstractKVStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listings keep working while other threads create and delete keys in the same folder. */
class ConcurrentListingTest {
  @TempDir Path tmp;

  @Test
  void v1_listSurvivesConcurrentDeletes() throws Exception {
    run(FilesystemStore::open);
  }

  @Test
  void v2_listSurvivesConcurrentDeletes() throws Exception {
    run(FilesystemStoreV2::open);
  }

  private void run(Function<Path, AbstractKVStore> opener) throws Exception {
    try (AbstractKVStore store = opener.apply(tmp.resolve("store"))) {
      for (int i = 0; i < 20; i++) {
        store.write("ns", "", "stable" + i, new byte[] {1});
      }
      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> churn =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  store.write("ns", "", "churn" + (i % 50), new byte[] {2});
                  store.remove("ns", "", "churn" + ((i + 25) % 50), true);
                }
              });
      try {
        for (int i = 0; i < 300; i++) {
          List<String> keys = store.list("ns", "");
          for (int s = 0; s < 20; s++) {
            assertThat(keys).contains("stable" + s);
          }
          assertThat(keys).allMatch(k -> k.startsWith("stable") || k.startsWith("churn"));
          assertThat(store.listPaginated("ns", "", null).keys()).hasSizeGreaterThan(0);
          assertThat(store.listAllKeys()).hasSizeGreaterThanOrEqualTo(20);
        }
      } finally {
        stop.set(true);
        churn.get();
      }
    }
  }
}
