package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite's foundation: the hooks a store's test implements ({@link #open(Path)} and
 * the capability switches), opening a store before each test, and the invariants checked after
 * each. Extend {@link KVStoreConformance}, which runs every part.
 *
 * @param <S> the store type
 */
public abstract class ConformanceBase<S extends KVStore> {
  /** For a subclass that supplies the store under test. */
  protected ConformanceBase() {}

  static final String P = "conf_primary";
  static final String S2 = "conf_secondary";

  /** A fresh folder for each test; the store lives in {@link #dir} inside it. */
  @TempDir protected Path tempDir;

  /**
   * The store's folder, {@code tempDir/store} (a store may keep files beside its folder, such as a
   * lock file, so it gets a parent of its own).
   */
  protected Path dir;

  /** The store under test, opened on {@link #dir} before each test. */
  protected S store;

  /**
   * Opens (creating if needed) the store kept in {@code dir}. Called again on the same folder to
   * test reopening, when {@link #persistent()} is true.
   */
  protected abstract S open(Path dir);

  /** Whether what the store holds survives {@code close} and a new {@link #open}. */
  protected boolean persistent() {
    return true;
  }

  /** Opens the store the crash harness kills; empty (the default) skips the crash test. */
  protected Optional<Class<? extends CrashTarget>> crashTarget() {
    return Optional.empty();
  }

  /**
   * An operation this store fails <em>while applying</em> a batch (not in validation), used to
   * check that a batch failing midway applies nothing. Empty (the default) skips that test.
   */
  protected Optional<BatchOp> operationThatFailsInBatch() {
    return Optional.empty();
  }

  /**
   * Whether every page but the last holds exactly the page size. A store that merges sources may
   * return longer pages (a queue's first page carries the keys created in the queue).
   */
  protected boolean exactPageSizes() {
    return true;
  }

  /**
   * Whether a batch that removes a key and then writes it again re-creates it (making it the newest
   * in page order). A store whose batch protocol cannot express both on one key (VSS, where a
   * request holds one item per key) writes it in place instead, and says so by returning false.
   */
  protected boolean batchesRecreateRemovedKeys() {
    return true;
  }

  /** Undoes whatever {@link #operationThatFailsInBatch()} set up to make its operation fail. */
  protected void afterFailingBatch() {}

  /** Checks the store's folder after each test, e.g. that no temporary file is left behind. */
  protected void assertClean(Path dir) throws IOException {}

  @BeforeEach
  void openStore() {
    dir = tempDir.resolve("store");
    store = open(dir);
  }

  @AfterEach
  void checkInvariantsAndClose() throws IOException {
    if (store == null) {
      return; // open failed; that failure is the test's result
    }
    try {
      if (store instanceof MigratableKVStore m) {
        Map<String, Set<String>> byScope = new HashMap<>();
        for (ScopedKey k : m.listAllKeys()) {
          byScope
              .computeIfAbsent(
                  k.primaryNamespace() + "/" + k.secondaryNamespace(), x -> new HashSet<>())
              .add(k.key());
          store.read(k.primaryNamespace(), k.secondaryNamespace(), k.key()); // must not throw
        }
        for (Map.Entry<String, Set<String>> e : byScope.entrySet()) {
          String[] scope = e.getKey().split("/", -1);
          assertThat(new HashSet<>(store.list(scope[0], scope[1])))
              .as("list(%s) equals the keys listAllKeys found there", e.getKey())
              .isEqualTo(e.getValue());
        }
      }
    } finally {
      store.close();
    }
    assertClean(dir);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** The bytes of a string, for short values. */
  protected static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  byte[] readOrNull(String p, String s, String k) {
    try {
      return store.read(p, s, k);
    } catch (KeyNotFoundException e) {
      return null;
    }
  }

  PaginatedKVStore paginated() {
    assumeTrue(store instanceof PaginatedKVStore, "the store is not a PaginatedKVStore");
    return (PaginatedKVStore) store;
  }

  MigratableKVStore migratable() {
    assumeTrue(store instanceof MigratableKVStore, "the store is not a MigratableKVStore");
    return (MigratableKVStore) store;
  }

  static List<String> allPages(PaginatedKVStore s, String p, String sec) {
    return Pages.all(s, p, sec);
  }

  void reopen() {
    store.close();
    store = open(dir);
  }
}
