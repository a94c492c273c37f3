package io.lnkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
import org.junit.jupiter.api.Test;

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
public abstract class KVStoreConformance<S extends KVStore> extends BatchConformance<S> {
  /** For a subclass that supplies the store under test. */
  protected KVStoreConformance() {}

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
                Arbitraries.of(
                    "write", "write", "write", "remove", "batch", "read", "list", "pages"),
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
          case "batch" -> {
            if (s.supportsAtomicBatch()) { // writes the key, removes the next one
              ScopedKey next = ScopedKey.of(scope[0], scope[1], "k" + (step.key() + 1) % 6);
              s.writeBatch(
                  List.of(
                      BatchOp.write(scope[0], scope[1], key.key(), step.value()),
                      BatchOp.remove(scope[0], scope[1], next.key())));
              model.write(key, step.value());
              model.remove(next);
            }
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
