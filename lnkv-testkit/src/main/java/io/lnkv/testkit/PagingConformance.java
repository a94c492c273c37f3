package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.KVStore;
import io.lnkv.MigratableKVStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.migrate.Migration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Part of the conformance suite: newest-created-first pages and their tokens, exhaustive
 * enumeration and migration. Extend {@link KVStoreConformance}, which runs every part.
 *
 * @param <S> the store type
 */
public abstract class PagingConformance<S extends KVStore> extends ContractConformance<S> {
  /** For a subclass that supplies the store under test. */
  protected PagingConformance() {}

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

  /**
   * Pages read before a change follow it: a store that keeps the order of a paged scope (the
   * filesystem stores' page index) must apply every kind of change to it, single or batched.
   */
  @Test
  void listPaginated_afterPaging_followsEveryKindOfChange() {
    PaginatedKVStore ps = paginated();
    List<String> order = new ArrayList<>(); // oldest first
    for (int i = 0; i < 120; i++) {
      ps.write(P, S2, "k" + i, bytes("v"));
      order.add("k" + i);
    }
    assertThat(allPages(ps, P, S2)).hasSize(120); // any order a store keeps is built now
    ps.write(P, S2, "new", bytes("n")); // a new key goes first
    order.add("new");
    ps.write(P, S2, "k5", bytes("rewritten")); // a rewrite keeps its place
    ps.remove(P, S2, "k7", false);
    order.remove("k7");
    ps.remove(P, S2, "k9", false);
    ps.write(P, S2, "k9", bytes("again")); // removed, then written: a new key
    order.remove("k9");
    order.add("k9");
    if (ps.supportsAtomicBatch()) {
      ps.writeBatch(
          List.of(
              io.lnkv.BatchOp.write(P, S2, "batched", bytes("b")),
              io.lnkv.BatchOp.remove(P, S2, "k11"),
              io.lnkv.BatchOp.write(P, S2, "k13", bytes("rewritten"))));
      order.add("batched");
      order.remove("k11");
    }
    List<String> expected = new ArrayList<>(order);
    java.util.Collections.reverse(expected);
    assertThat(allPages(ps, P, S2)).containsExactlyElementsOf(expected);
    if (persistent()) { // and the same order as a store that has not paged yet
      reopen();
      assertThat(allPages(paginated(), P, S2)).containsExactlyElementsOf(expected);
    }
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

  /**
   * A token damaged in transit (a sign, a digit too many, a negative number) is refused, never read
   * as a position past every key: that would end the caller's listing early and silently.
   */
  @Test
  void listPaginated_damagedToken_isRefused_neverAnEmptyLastPage() {
    PaginatedKVStore ps = paginated();
    for (int i = 0; i < 3; i++) {
      ps.write(P, "", "k" + i, bytes("v"));
    }
    for (String damaged :
        List.of("-1", "-9223372036854775808", "99999999999999999999", "+5", " 5", "5 ", "")) {
      assertThatThrownBy(() -> ps.listPaginated(P, "", new PageToken(damaged)))
          .as("token '%s'", damaged)
          .isInstanceOf(IllegalArgumentException.class);
    }
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
}
