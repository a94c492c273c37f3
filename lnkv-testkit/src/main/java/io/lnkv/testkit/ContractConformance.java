package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.InvalidKeyException;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.KeyRules;
import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Part of the conformance suite: LDK's key validation, read, write and remove, and list scoping.
 * Extend {@link KVStoreConformance}, which runs every part.
 *
 * @param <S> the store type
 */
public abstract class ContractConformance<S extends KVStore> extends ConformanceBase<S> {
  /** For a subclass that supplies the store under test. */
  protected ContractConformance() {}

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
  static Map<Path, String> filesOf(Path root) {
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
}
