package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.BatchOp;
import io.lnkv.InvalidKeyException;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.KeyRules;
import io.lnkv.MigratableKVStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.migrate.Migration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance suite: every lnkv store passes it, and so can yours. Extend it and implement
 * {@link #open(Path)}:
 *
 * <pre>{@code
 * class MyStoreTest extends KVStoreConformance<MyStore> {
 *   protected MyStore open(Path dir) { return MyStore.open(dir); }
 * }
 * }</pre>
 *
 * It checks LDK's validation rules, not-found and remove semantics, list scoping, paginated
 * listing, exhaustive enumeration, migration, atomic batches, the per-key ordering of asynchronous
 * calls, reopening, the single-writer lock, a model-based property test (jqwik) against {@link
 * ReferenceModel}, and, for a persistent store with a {@link #crashTarget()}, the crash harness.
 * After every test it checks invariants: {@code list} agrees with what reads back, and {@link
 * #assertClean(Path)} holds.
 *
 * <p>Capabilities the store lacks (not {@link PaginatedKVStore}, not {@link MigratableKVStore}, no
 * atomic batches, not persistent) make the matching tests report as skipped, never as passed.
 *
 * @param <S> the store type
 */
public abstract class KVStoreConformance<S extends KVStore> {
  private static final String P = "conf_primary";
  private static final String S2 = "conf_secondary";

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

  private byte[] readOrNull(String p, String s, String k) {
    try {
      return store.read(p, s, k);
    } catch (KeyNotFoundException e) {
      return null;
    }
  }

  private PaginatedKVStore paginated() {
    assumeTrue(store instanceof PaginatedKVStore, "the store is not a PaginatedKVStore");
    return (PaginatedKVStore) store;
  }

  private MigratableKVStore migratable() {
    assumeTrue(store instanceof MigratableKVStore, "the store is not a MigratableKVStore");
    return (MigratableKVStore) store;
  }

  private static List<String> allPages(PaginatedKVStore s, String p, String sec) {
    return Pages.all(s, p, sec);
  }

  private void reopen() {
    store.close();
    store = open(dir);
  }

  // ---- validation ---------------------------------------------------------------------------

  static Stream<Arguments> invalidKeys() {
    String tooLong = "a".repeat(KeyRules.MAX_LENGTH + 1);
    List<Arguments> cases = new ArrayList<>();
    cases.add(Arguments.of("empty key", "p", "s", ""));
    cases.add(Arguments.of("empty primary, non-empty secondary", "", "s", "k"));
    cases.add(Arguments.of("primary too long", tooLong, "s", "k"));
    cases.add(Arguments.of("secondary too long", "p", tooLong, "k"));
    cases.add(Arguments.of("key too long", "p", "s", tooLong));
    cases.add(Arguments.of("root key too long", "", "", tooLong));
    for (String bad : List.of(".", "/", " ", "\\", "é", "\0", "\n", ":", "[empty]", "..")) {
      cases.add(Arguments.of("primary with " + bad, "p" + bad, "s", "k"));
      cases.add(Arguments.of("secondary with " + bad, "p", "s" + bad, "k"));
      cases.add(Arguments.of("key with " + bad, "p", "s", "k" + bad));
    }
    cases.add(Arguments.of("key '.'", "", "", "."));
    cases.add(Arguments.of("key '..'", "p", "", ".."));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidKeys")
  void write_invalidKey_isRejectedAndWritesNothing(String why, String p, String s, String k) {
    Map<Path, String> filesBefore = filesOf(tempDir);
    assertThatThrownBy(() -> store.write(p, s, k, bytes("v")))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("Invalid");
    assertThatThrownBy(() -> store.read(p, s, k)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> store.remove(p, s, k, false)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> store.writeAsync(p, s, k, bytes("v")).join())
        .hasCauseInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> store.removeAsync(p, s, k, true).join())
        .hasCauseInstanceOf(InvalidKeyException.class);
    if (store instanceof MigratableKVStore m) {
      assertThat(m.listAllKeys()).as("nothing written").isEmpty();
    }
    assertThat(filesOf(tempDir)).as("no file changed for %s", why).isEqualTo(filesBefore);
  }

  /** Every file below {@code root} with its size and mtime. */
  private static Map<Path, String> filesOf(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      Map<Path, String> files = new HashMap<>();
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(p, Files.size(p) + "@" + Files.getLastModifiedTime(p));
      }
      return files;
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  void invalidKey_messageNamesThePartAndTheRule() {
    assertThatThrownBy(() -> store.write("p", "s", "bad.key", bytes("v")))
        .hasMessageContaining("key")
        .hasMessageContaining("'.'")
        .hasMessageContaining("letters");
    assertThatThrownBy(() -> store.write("", "s", "k", bytes("v")))
        .hasMessageContaining("secondary namespace")
        .hasMessageContaining("primary namespace is empty");
    assertThatThrownBy(() -> store.write("p".repeat(121), "", "k", bytes("v")))
        .hasMessageContaining("primary namespace")
        .hasMessageContaining("120");
  }

  @Test
  void list_invalidNamespace_isRejected() {
    assertThatThrownBy(() -> store.list("", "s")).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> store.list("p.q", "")).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> store.list("p", "x".repeat(121)))
        .isInstanceOf(InvalidKeyException.class);
    if (store instanceof PaginatedKVStore ps) {
      assertThatThrownBy(() -> ps.listPaginated("", "s", null))
          .isInstanceOf(InvalidKeyException.class);
    }
  }

  @Test
  void write_longestValidPartsAndWholeAlphabet_areAccepted() {
    String longest = "x".repeat(KeyRules.MAX_LENGTH);
    store.write(longest, longest, longest, bytes("long"));
    String alphabet = KeyRules.ALPHABET.substring(0, KeyRules.MAX_LENGTH / 2);
    store.write("", "", KeyRules.ALPHABET, bytes("alpha"));
    store.write(alphabet, "", "k", bytes("ns"));
    assertThat(store.read(longest, longest, longest)).isEqualTo(bytes("long"));
    assertThat(store.read("", "", KeyRules.ALPHABET)).isEqualTo(bytes("alpha"));
    assertThat(store.read(alphabet, "", "k")).isEqualTo(bytes("ns"));
  }

  // ---- read, write, remove ------------------------------------------------------------------

  @Test
  void read_missingKey_throwsKeyNotFound() {
    assertThatThrownBy(() -> store.read(P, "", "missing"))
        .isInstanceOf(KeyNotFoundException.class)
        .satisfies(e -> assertThat(((KeyNotFoundException) e).key().key()).isEqualTo("missing"));
    store.write(P, "", "other", bytes("x"));
    assertThatThrownBy(() -> store.read(P, "", "missing")).isInstanceOf(KeyNotFoundException.class);
    assertThatThrownBy(() -> store.readAsync("", "", "missing").join())
        .hasCauseInstanceOf(KeyNotFoundException.class);
  }

  @Test
  void write_thenRead_returnsTheBytes_inEveryScopeShape() {
    store.write("", "", "root_key", bytes("root"));
    store.write(P, "", "k", bytes("primary only"));
    store.write(P, S2, "k", bytes("both"));
    assertThat(store.read("", "", "root_key")).isEqualTo(bytes("root"));
    assertThat(store.read(P, "", "k")).isEqualTo(bytes("primary only"));
    assertThat(store.read(P, S2, "k")).isEqualTo(bytes("both"));
  }

  @Test
  void write_emptyAndLargeValues_roundTrip() {
    byte[] large = new byte[3 * 1024 * 1024 + 7];
    new Random(7).nextBytes(large);
    store.write(P, "", "empty", new byte[0]);
    store.write(P, "", "large", large);
    assertThat(store.read(P, "", "empty")).isEmpty();
    assertThat(store.read(P, "", "large")).isEqualTo(large);
  }

  @Test
  void write_overwrite_replacesTheValue() {
    store.write(P, "", "k", bytes("first value, longer"));
    store.write(P, "", "k", bytes("second"));
    assertThat(store.read(P, "", "k")).isEqualTo(bytes("second"));
    assertThat(store.list(P, "")).containsExactly("k");
  }

  @Test
  void values_areCopied_notShared() {
    byte[] value = bytes("original");
    store.write(P, "", "k", value);
    value[0] = 'X';
    byte[] read = store.read(P, "", "k");
    read[1] = 'Y';
    assertThat(store.read(P, "", "k")).isEqualTo(bytes("original"));
    byte[] async = bytes("async");
    CompletableFuture<Void> f = store.writeAsync(P, "", "a", async);
    async[0] = 'Z';
    f.join();
    assertThat(store.read(P, "", "a")).isEqualTo(bytes("async"));
  }

  @Test
  void remove_isIdempotent_andMissingKeysAreFine() {
    store.remove(P, "", "never_written", false);
    store.remove(P, "", "never_written", true);
    store.write(P, "", "k", bytes("v"));
    store.remove(P, "", "k", false);
    store.remove(P, "", "k", false);
    assertThatThrownBy(() -> store.read(P, "", "k")).isInstanceOf(KeyNotFoundException.class);
    assertThat(store.list(P, "")).isEmpty();
  }

  @Test
  void remove_lazy_removesEventually_andWriteAfterwardWins() throws Exception {
    store.write(P, "", "k", bytes("v"));
    store.remove(P, "", "k", true);
    store.write(P, "", "k", bytes("back"));
    assertThat(store.read(P, "", "k")).isEqualTo(bytes("back"));
    store.removeAsync(P, "", "k", true).get(30, TimeUnit.SECONDS);
    assertThat(readOrNull(P, "", "k")).isNull();
  }

  // ---- list ---------------------------------------------------------------------------------

  @Test
  void list_isScoped_andDoesNotListSubNamespaces() {
    store.write("", "", "root1", bytes("r"));
    store.write(P, "", "p1", bytes("p"));
    store.write(P, "", "p2", bytes("p"));
    store.write(P, S2, "s1", bytes("s"));
    store.write(P, "other", "o1", bytes("o"));
    store.write("another", "", "a1", bytes("a"));
    assertThat(store.list("", "")).containsExactlyInAnyOrder("root1");
    assertThat(store.list(P, "")).containsExactlyInAnyOrder("p1", "p2");
    assertThat(store.list(P, S2)).containsExactlyInAnyOrder("s1");
    assertThat(store.list(P, "other")).containsExactlyInAnyOrder("o1");
  }

  @Test
  void list_unknownNamespace_isEmpty() {
    assertThat(store.list("unknown", "")).isEmpty();
    assertThat(store.list("unknown", "scope")).isEmpty();
    assertThat(store.list("", "")).isEmpty();
    store.write(P, "", "k", bytes("v"));
    assertThat(store.list(P, "unknown")).isEmpty();
    assertThat(store.listAsync("nope", "").join()).isEmpty();
  }

  // ---- pagination ---------------------------------------------------------------------------

  @Test
  void listPaginated_returnsNewestCreatedFirst_inPagesOfTheConfiguredSize() {
    PaginatedKVStore ps = paginated();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 123; i++) {
      String k = String.format("key%03d", (i * 37) % 123); // creation order differs from names
      ps.write(P, S2, k, bytes("v" + i));
      created.add(k);
    }
    Page first = ps.listPaginated(P, S2, null);
    if (exactPageSizes()) {
      assertThat(first.keys()).hasSize(PaginatedKVStore.DEFAULT_PAGE_SIZE);
    } else {
      assertThat(first.keys()).hasSizeGreaterThanOrEqualTo(PaginatedKVStore.DEFAULT_PAGE_SIZE);
    }
    assertThat(first.nextPageToken()).isPresent();
    List<String> expected = new ArrayList<>(created);
    java.util.Collections.reverse(expected);
    assertThat(allPages(ps, P, S2)).containsExactlyElementsOf(expected);
  }

  @Test
  void listPaginated_lastPage_hasNoToken_andUnknownScopeIsEmpty() {
    PaginatedKVStore ps = paginated();
    Page empty = ps.listPaginated("unknown", "", null);
    assertThat(empty.keys()).isEmpty();
    assertThat(empty.nextPageToken()).isEmpty();
    for (int i = 0; i < PaginatedKVStore.DEFAULT_PAGE_SIZE; i++) {
      ps.write(P, "", "k" + i, bytes("v"));
    }
    Page exact = ps.listPaginated(P, "", null);
    assertThat(exact.keys()).hasSize(PaginatedKVStore.DEFAULT_PAGE_SIZE);
    if (exact.nextPageToken().isPresent()) { // allowed, but then the next page is empty
      Page after = ps.listPaginated(P, "", exact.nextPageToken().get());
      assertThat(after.keys()).isEmpty();
      assertThat(after.nextPageToken()).isEmpty();
    }
  }

  @Test
  void listPaginated_rewrite_neverMovesAKey() {
    PaginatedKVStore ps = paginated();
    for (String k : List.of("a", "b", "c", "d")) {
      ps.write(P, "", k, bytes(k));
    }
    ps.write(P, "", "b", bytes("rewritten"));
    ps.write(P, "", "a", bytes("rewritten too"));
    assertThat(allPages(ps, P, "")).containsExactly("d", "c", "b", "a");
  }

  @Test
  void listPaginated_removeThenRecreate_movesTheKeyToTheFront() {
    PaginatedKVStore ps = paginated();
    for (String k : List.of("a", "b", "c")) {
      ps.write(P, "", k, bytes(k));
    }
    ps.remove(P, "", "a", false);
    ps.write(P, "", "a", bytes("again"));
    assertThat(allPages(ps, P, "")).containsExactly("a", "c", "b");
  }

  @Test
  void listPaginated_tokenOfARemovedKey_resumesAtTheNextPosition() {
    PaginatedKVStore ps = paginated();
    for (int i = 0; i < 120; i++) {
      ps.write(P, "", String.format("k%03d", i), bytes("v"));
    }
    Page first = ps.listPaginated(P, "", null);
    String lastOnPage = first.keys().get(first.keys().size() - 1);
    ps.remove(P, "", lastOnPage, false);
    Page second = ps.listPaginated(P, "", first.nextPageToken().orElseThrow());
    assertThat(second.keys()).first().isEqualTo(String.format("k%03d", 119 - first.keys().size()));
    assertThat(second.keys()).doesNotContainAnyElementsOf(first.keys());
  }

  @Test
  void listPaginated_thousandsOfKeys_withWritesBetweenPages_skipNoneRepeatNone() {
    PaginatedKVStore ps = paginated();
    int n = 2500;
    for (int i = 0; i < n; i++) {
      ps.write(P, S2, "old" + i, bytes("v"));
    }
    Set<String> seen = new LinkedHashSet<>();
    PageToken token = null;
    int pages = 0;
    Random random = new Random(42);
    do {
      Page page = ps.listPaginated(P, S2, token);
      for (String k : page.keys()) {
        assertThat(seen.add(k)).as("key %s listed twice", k).isTrue();
      }
      token = page.nextPageToken().orElse(null);
      pages++;
      // between pages: new keys, rewrites of listed and unlisted keys, and other scopes
      ps.write(P, S2, "new" + pages, bytes("n"));
      ps.write(P, S2, "old" + random.nextInt(n), bytes("rewritten"));
      ps.write(P, "", "elsewhere" + pages, bytes("e"));
    } while (token != null);
    for (int i = 0; i < n; i++) {
      assertThat(seen).as("old%d listed", i).contains("old" + i);
    }
    assertThat(seen.stream().filter(k -> k.startsWith("elsewhere"))).isEmpty();
  }

  @Test
  void listPaginated_garbageToken_isRejected() {
    PaginatedKVStore ps = paginated();
    ps.write(P, "", "k", bytes("v"));
    assertThatThrownBy(() -> ps.listPaginated(P, "", new PageToken("not a token of any store")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listPaginated_scopesAreIndependent() {
    PaginatedKVStore ps = paginated();
    ps.write(P, "", "a", bytes("1"));
    ps.write(P, S2, "b", bytes("2"));
    ps.write("", "", "c", bytes("3"));
    assertThat(allPages(ps, P, "")).containsExactly("a");
    assertThat(allPages(ps, P, S2)).containsExactly("b");
    assertThat(allPages(ps, "", "")).containsExactly("c");
    assertThat(ps.listPaginatedAsync(P, S2, null).join().keys()).containsExactly("b");
  }

  // ---- listAllKeys, migration ---------------------------------------------------------------

  @Test
  void listAllKeys_isExhaustive_acrossEveryScopeShape() {
    MigratableKVStore ms = migratable();
    Set<ScopedKey> written = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      ScopedKey k =
          switch (i % 3) {
            case 0 -> ScopedKey.of("", "", "root" + i);
            case 1 -> ScopedKey.of("ns" + (i % 4), "", "k" + i);
            default -> ScopedKey.of("ns" + (i % 4), "sub" + (i % 5), "k" + i);
          };
      ms.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), bytes("v" + i));
      written.add(k);
    }
    ms.remove("", "", "root0", false);
    written.remove(ScopedKey.of("", "", "root0"));
    assertThat(ms.listAllKeys()).containsExactlyInAnyOrderElementsOf(written);
  }

  @Test
  void migrate_toAnotherStoreAndBack_copiesEverythingByteForByte() {
    MigratableKVStore ms = migratable();
    Random random = new Random(3);
    Map<ScopedKey, byte[]> expected = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      ScopedKey k = ScopedKey.of(i % 2 == 0 ? "" : "m" + (i % 3), "", "key" + i);
      if (i % 5 == 0 && !k.primaryNamespace().isEmpty()) {
        k = ScopedKey.of(k.primaryNamespace(), "s" + (i % 2), k.key());
      }
      byte[] v = new byte[random.nextInt(5000)];
      random.nextBytes(v);
      ms.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), v);
      expected.put(k, v);
    }
    try (InMemoryStore middle = InMemoryStore.create()) {
      List<long[]> progress = new ArrayList<>();
      Migration.Result r =
          Migration.from(ms).to(middle).onProgress((c, t) -> progress.add(new long[] {c, t})).run();
      assertThat(r.keys()).isEqualTo(60);
      assertThat(progress.get(progress.size() - 1)).containsExactly(60, 60);
      S other = open(tempDir.resolve("fresh"));
      assumeTrue(other instanceof MigratableKVStore, "the store is not a MigratableKVStore");
      MigratableKVStore fresh = (MigratableKVStore) other;
      Migration.from(middle).to(fresh).run();
      for (Map.Entry<ScopedKey, byte[]> e : expected.entrySet()) {
        ScopedKey k = e.getKey();
        assertThat(fresh.read(k.primaryNamespace(), k.secondaryNamespace(), k.key()))
            .isEqualTo(e.getValue());
      }
      assertThat(fresh.listAllKeys()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      if (ms instanceof PaginatedKVStore before && fresh instanceof PaginatedKVStore after) {
        for (ScopedKey k : expected.keySet()) {
          String p = k.primaryNamespace();
          String sec = k.secondaryNamespace();
          assertThat(allPages(after, p, sec))
              .as("creation order survives two migrations, scope %s/%s", p, sec)
              .isEqualTo(allPages(before, p, sec));
        }
      }
      fresh.close();
    }
  }

  @Test
  void migrate_intoANonEmptyTarget_isRefusedUnlessAllowed() {
    MigratableKVStore ms = migratable();
    ms.write(P, "", "existing", bytes("keep"));
    try (InMemoryStore source = InMemoryStore.create()) {
      source.write(P, "", "incoming", bytes("new"));
      assertThatThrownBy(() -> Migration.from(source).to(ms).run())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already holds 1 key");
      assertThat(readOrNull(P, "", "incoming")).isNull();
      Migration.from(source).to(ms).allowNonEmptyTarget().run();
      assertThat(ms.read(P, "", "incoming")).isEqualTo(bytes("new"));
      assertThat(ms.read(P, "", "existing")).isEqualTo(bytes("keep"));
    }
  }

  // ---- atomic batches -----------------------------------------------------------------------

  @Test
  void writeBatch_withoutSupport_isRefusedClearly() {
    assumeTrue(!store.supportsAtomicBatch(), "the store supports atomic batches");
    assertThatThrownBy(() -> store.writeBatch(List.of(BatchOp.write(P, "", "k", bytes("v")))))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("atomic batches");
    assertThat(readOrNull(P, "", "k")).isNull();
  }

  @Test
  void writeBatch_appliesWritesAndRemoves_lastOperationPerKeyWins() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    store.write(P, "", "to_remove", bytes("x"));
    store.write(P, "", "to_replace", bytes("old"));
    store.writeBatch(
        List.of(
            BatchOp.write(P, "", "new", bytes("n")),
            BatchOp.remove(P, "", "to_remove"),
            BatchOp.write(P, "", "to_replace", bytes("first")),
            BatchOp.write(P, S2, "deep", bytes("d")),
            BatchOp.write(P, "", "to_replace", bytes("last"))));
    assertThat(store.read(P, "", "new")).isEqualTo(bytes("n"));
    assertThat(readOrNull(P, "", "to_remove")).isNull();
    assertThat(store.read(P, "", "to_replace")).isEqualTo(bytes("last"));
    assertThat(store.read(P, S2, "deep")).isEqualTo(bytes("d"));
    store.writeBatchAsync(List.of(BatchOp.remove(P, "", "new"))).join();
    assertThat(readOrNull(P, "", "new")).isNull();
  }

  @Test
  void writeBatch_removeThenWriteOfAKey_makesItTheNewest() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    assumeTrue(batchesRecreateRemovedKeys(), "the store's batches write such a key in place");
    PaginatedKVStore ps = paginated();
    for (String k : List.of("a", "b", "c")) {
      ps.write(P, "", k, bytes(k));
    }
    ps.writeBatch(
        List.of(
            BatchOp.remove(P, "", "a"),
            BatchOp.write(P, "", "a", bytes("new a")),
            BatchOp.write(P, "", "b", bytes("b2")),
            BatchOp.write(P, "", "d", bytes("d"))));
    assertThat(allPages(ps, P, "")).containsExactly("d", "a", "c", "b");
    assertThat(ps.read(P, "", "a")).isEqualTo(bytes("new a"));
  }

  @Test
  void writeBatch_newKeyWrittenTwice_keepsItsFirstPosition() {
    // Found by the power-cut harness: the filesystem stores gave such a key the creation time of
    // its last write, so it listed as newer than keys the batch created after it.
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    PaginatedKVStore ps = paginated();
    ps.write(P, "", "old", bytes("o"));
    ps.writeBatch(
        List.of(
            BatchOp.write(P, "", "x", bytes("x1")),
            BatchOp.write(P, "", "y", bytes("y")),
            BatchOp.write(P, "", "x", bytes("x2"))));
    assertThat(allPages(ps, P, "")).containsExactly("y", "x", "old");
    assertThat(ps.read(P, "", "x")).isEqualTo(bytes("x2"));
  }

  @Test
  void writeBatch_withAnInvalidKey_appliesNothing() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    store.write(P, "", "a", bytes("before"));
    assertThatThrownBy(
            () ->
                store.writeBatch(
                    List.of(
                        BatchOp.write(P, "", "a", bytes("after")),
                        BatchOp.write(P, "", "bad key", bytes("x")),
                        BatchOp.write(P, "", "c", bytes("c")))))
        .isInstanceOf(InvalidKeyException.class);
    assertThat(store.read(P, "", "a")).isEqualTo(bytes("before"));
    assertThat(readOrNull(P, "", "c")).isNull();
  }

  @Test
  void writeBatch_failingMidway_appliesNothing() {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    Optional<BatchOp> failing = operationThatFailsInBatch();
    assumeTrue(failing.isPresent(), "no operationThatFailsInBatch() for this store");
    store.write(P, "", "a", bytes("before"));
    store.write(P, "", "gone", bytes("stays"));
    List<BatchOp> ops = new ArrayList<>();
    ops.add(BatchOp.write(P, "", "a", bytes("after")));
    ops.add(BatchOp.remove(P, "", "gone"));
    for (int i = 0; i < 20; i++) {
      ops.add(BatchOp.write(P, S2, "n" + i, bytes("n")));
    }
    ops.add(failing.get());
    ops.add(BatchOp.write(P, "", "z", bytes("z")));
    assertThatThrownBy(() -> store.writeBatch(ops)).isInstanceOf(StoreException.class);
    afterFailingBatch();
    assertThat(store.read(P, "", "a")).isEqualTo(bytes("before"));
    assertThat(store.read(P, "", "gone")).isEqualTo(bytes("stays"));
    assertThat(store.list(P, S2)).isEmpty();
    assertThat(readOrNull(P, "", "z")).isNull();
  }

  // ---- asynchronous ordering ----------------------------------------------------------------

  @Test
  void asyncCalls_onOneKey_takeEffectInCallOrder() {
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(store.writeAsync(P, "", "k", bytes("v" + i)));
      if (i % 10 == 5) {
        futures.add(store.removeAsync(P, "", "k", i % 20 == 5));
      }
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
    assertThat(store.read(P, "", "k")).isEqualTo(bytes("v199"));
  }

  @Test
  void asyncCalls_fromManyThreads_leaveWhatTheLastCallAskedFor() throws Exception {
    int threads = 8;
    int callsPerThread = 300;
    int keys = 6;
    Object callOrder = new Object();
    Map<String, String> lastCall = new HashMap<>(); // guarded by callOrder; "" = removed
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    long[] sequence = {0};
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<Void>> callers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        callers.add(
            CompletableFuture.runAsync(
                () -> {
                  Random random = new Random(seed);
                  for (int i = 0; i < callsPerThread; i++) {
                    String key = "k" + random.nextInt(keys);
                    boolean remove = random.nextInt(5) == 0;
                    // The call and the record of it happen under one lock, so the record's order
                    // is the call order.
                    synchronized (callOrder) {
                      String value = "v" + (++sequence[0]);
                      futures.add(
                          remove
                              ? store.removeAsync(P, "", key, random.nextBoolean())
                              : store.writeAsync(P, "", key, bytes(value)));
                      lastCall.put(key, remove ? "" : value);
                    }
                  }
                },
                pool));
      }
      CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    } finally {
      pool.shutdown();
    }
    List<CompletableFuture<Void>> all;
    synchronized (callOrder) {
      all = new ArrayList<>(futures);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    for (Map.Entry<String, String> e : lastCall.entrySet()) {
      byte[] actual = readOrNull(P, "", e.getKey());
      if (e.getValue().isEmpty()) {
        assertThat(actual).as("%s removed by the last call", e.getKey()).isNull();
      } else {
        assertThat(actual).as("%s", e.getKey()).isEqualTo(bytes(e.getValue()));
      }
    }
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Test
  void reopen_keepsEverything() {
    assumeTrue(persistent(), "the store is not persistent");
    store.write("", "", "manager", bytes("m"));
    store.write("monitors", "", "mon", bytes("x"));
    store.write("monitor_updates", "mon", "1", bytes("u"));
    reopen();
    assertThat(store.read("", "", "manager")).isEqualTo(bytes("m"));
    assertThat(store.read("monitors", "", "mon")).isEqualTo(bytes("x"));
    assertThat(store.list("monitor_updates", "mon")).containsExactly("1");
  }

  @Test
  void reopen_keepsCreationOrder_andNewKeysComeFirst() {
    assumeTrue(persistent(), "the store is not persistent");
    PaginatedKVStore ps = paginated();
    for (String k : List.of("a", "b", "c")) {
      ps.write(P, "", k, bytes(k));
    }
    reopen();
    PaginatedKVStore reopened = paginated();
    reopened.write(P, "", "a", bytes("rewritten"));
    reopened.write(P, "", "d", bytes("new"));
    assertThat(allPages(reopened, P, "")).containsExactly("d", "c", "b", "a");
  }

  @Test
  void open_secondWriterOnTheSameState_isRefused() {
    assumeTrue(persistent(), "the store is not persistent");
    assertThatThrownBy(() -> open(dir).close())
        .isInstanceOf(StoreLockedException.class)
        .hasMessageContaining("pid " + ProcessHandle.current().pid());
    reopen(); // closing released the lock
    store.write(P, "", "k", bytes("v"));
  }

  @Test
  void close_letsAsynchronousCallsMadeBeforeItFinish() {
    store.write(P, "", "r", bytes("read me"));
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      writes.add(store.writeAsync(P, "", "k" + (i % 8), bytes("v" + i)));
    }
    CompletableFuture<byte[]> read = store.readAsync(P, "", "r");
    CompletableFuture<List<String>> list = store.listAsync(P, "");
    store.close();
    assertThat(writes).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(read.join()).isEqualTo(bytes("read me"));
    assertThat(list.join()).contains("r");
    store = open(dir);
    if (persistent()) {
      for (int k = 0; k < 8; k++) {
        assertThat(store.read(P, "", "k" + k)).isEqualTo(bytes("v" + (56 + k)));
      }
    }
  }

  @Test
  void close_isIdempotent_andLaterCallsFailClearly() {
    store.close();
    store.close();
    assertThatThrownBy(() -> store.read(P, "", "k"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.writeAsync(P, "", "k", bytes("v")).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(StoreException.class);
    store = open(dir); // for the invariant check
  }

  // ---- crash --------------------------------------------------------------------------------

  @Test
  void crash_killedWriter_losesNoAcknowledgedWrite_andTearsNoValue() throws Exception {
    runCrashHarness(false);
  }

  @Test
  void crash_killedBatchCommitter_leavesEveryBatchWholeOrAbsent() throws Exception {
    assumeTrue(store.supportsAtomicBatch(), "the store does not support atomic batches");
    runCrashHarness(true);
  }

  private void runCrashHarness(boolean batches) throws Exception {
    assumeTrue(persistent(), "the store is not persistent");
    Optional<Class<? extends CrashTarget>> target = crashTarget();
    assumeTrue(target.isPresent(), "no crashTarget() for this store");
    store.close();
    Path crashDir = tempDir.resolve(batches ? "crash-batches" : "crash");
    int kills = CrashHarness.configuredKills();
    CrashHarness harness = new CrashHarness(target.get(), crashDir, 20261125L);
    if (batches) {
      harness.batches();
    }
    CrashHarness.Report report = harness.run(kills);
    org.slf4j.LoggerFactory.getLogger(getClass())
        .info(
            "Crash harness ({}) on {}: {} kills, {} acknowledged steps, {} in flight at a kill,"
                + " {} of those took effect",
            batches ? "batches" : "single writes",
            getClass().getSimpleName(),
            report.kills(),
            report.acknowledgedSteps(),
            report.inFlightAtKill(),
            report.inFlightApplied());
    assertThat(report.kills()).isEqualTo(kills);
    assertThat(report.acknowledgedSteps()).isPositive();
    store = open(dir);
  }

  // ---- model-based property -----------------------------------------------------------------

  /** One step of a random operation sequence. */
  public record Step(String op, int scope, int key, byte[] value) {
    @Override
    public String toString() {
      return op
          + "("
          + SCOPES.get(scope)
          + "/k"
          + key
          + (value == null ? "" : ", " + value.length + "B")
          + ")";
    }
  }

  private static final List<String[]> SCOPES =
      List.of(
          new String[] {"", ""},
          new String[] {"ma", ""},
          new String[] {"ma", "mb"},
          new String[] {"mc", "md"});

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.of("write", "write", "write", "remove", "read", "list", "pages"),
                Arbitraries.integers().between(0, SCOPES.size() - 1),
                Arbitraries.integers().between(0, 5),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64))
            .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(40);
  }

  /**
   * Skips the property when the store is not available here (no PostgreSQL server outside CI):
   * jqwik would otherwise count the assumption failing in every try as rejections and fail the
   * property as exhausted.
   */
  static final class SkipWhenStoreUnavailable implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      if (!(context instanceof PropertyLifecycleContext property)
          || !(property.testInstance() instanceof KVStoreConformance<?> suite)) {
        return SkipResult.doNotSkip();
      }
      try {
        Path folder = Files.createTempDirectory("lnkv-model");
        try {
          suite.open(folder.resolve("store")).close();
        } finally {
          try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(p);
            }
          }
        }
      } catch (org.opentest4j.TestAbortedException e) {
        return SkipResult.skip(e.getMessage());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return SkipResult.doNotSkip();
    }
  }

  @AddLifecycleHook(SkipWhenStoreUnavailable.class)
  @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED)
  void model_randomOperationSequences_matchTheReferenceModel(@ForAll("steps") List<Step> steps)
      throws IOException {
    Path folder = Files.createTempDirectory("lnkv-model");
    S s = open(folder.resolve("store"));
    try {
      ReferenceModel model = new ReferenceModel();
      for (Step step : steps) {
        String[] scope = SCOPES.get(step.scope());
        ScopedKey key = ScopedKey.of(scope[0], scope[1], "k" + step.key());
        switch (step.op()) {
          case "write" -> {
            s.write(scope[0], scope[1], key.key(), step.value());
            model.write(key, step.value());
          }
          case "remove" -> {
            s.remove(scope[0], scope[1], key.key(), false);
            model.remove(key);
          }
          case "read" -> {
            byte[] expected = model.read(key);
            if (expected == null) {
              assertThatThrownBy(() -> s.read(scope[0], scope[1], key.key()))
                  .isInstanceOf(KeyNotFoundException.class);
            } else {
              assertThat(s.read(scope[0], scope[1], key.key())).isEqualTo(expected);
            }
          }
          case "list" ->
              assertThat(s.list(scope[0], scope[1]).stream().sorted().toList())
                  .isEqualTo(model.list(scope[0], scope[1]));
          default -> {
            if (s instanceof PaginatedKVStore ps) {
              assertThat(allPages(ps, scope[0], scope[1]))
                  .isEqualTo(model.newestFirst(scope[0], scope[1]));
            }
          }
        }
      }
      if (s instanceof MigratableKVStore ms) {
        assertThat(ms.listAllKeys()).containsExactlyInAnyOrderElementsOf(model.allKeys());
      }
    } finally {
      s.close();
      try (Stream<Path> walk = Files.walk(folder)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
