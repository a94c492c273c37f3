package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.queue.QueuedStore;
import io.lnkv.spi.AbstractKVStore;
import io.lnkv.testkit.disk.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Cuts the power under a store at random moments and checks what a restarted machine finds: every
 * acknowledged write and remove there byte for byte, no value torn, every batch whole or absent,
 * the operation in flight applied or not, and nothing acknowledged undone by a later replay.
 *
 * <p>The same idea as the {@link CrashHarness}, but where a SIGKILL keeps the page cache, a power
 * cut keeps only what was fsynced: each round runs a workload on a {@link SimulatedDisk}, arms a
 * cut after a random number of disk operations, and reopens the store on the disk's image after the
 * cut, in turn: the strict one (only what was synced), a random legal one (a prefix of the unsynced
 * changes kept, writes torn at sectors), and one of out-of-order write-back (sectors and pages of
 * unsynced contents kept independently, regrown regions reading as zeros or stale bytes). The check
 * runs on a copy of the image; the round's second generation then opens the image itself, so
 * recovery (a replay, a clean-up) runs under the next cut, and must neither undo what the check
 * found nor lose what it acknowledges. Everything is seeded: a failure names the seed and the cut
 * that reproduce it.
 *
 * <p>Workloads: {@link Workload#SINGLE} writes and removes (lazy and not); {@link Workload#BATCH}
 * atomic batches of 1 to 200 operations interleaved with single operations on the same keys; {@link
 * Workload#QUEUED} the same through a {@link QueuedStore}'s commits. With {@link
 * #checkCreationOrder()}, pages after every reopen must list the keys newest-created first.
 *
 * <p>The number of cuts in the default test run comes from the system property {@value
 * #CUTS_PROPERTY} or the environment variable {@code LNKV_POWER_CUTS}; see {@link #configuredCuts}.
 *
 * <p>Long because one run has many parts that must agree: generations of operations against a
 * model, the three kinds of image cut in turn, faults at random operations, threads with models of
 * their own, and the judgement after every cut, with a message that replays the failing seed.
 */
public final class PowerCutHarness {
  /** The system property that sets the cuts per workload and store (default 200). */
  public static final String CUTS_PROPERTY = "lnkv.powercut.cuts";

  /** Opens the store under test in {@code dir}, a folder of a simulated disk. */
  @FunctionalInterface
  public interface Target {
    /** Opens (creating if needed) the store kept in {@code dir}. */
    KVStore open(Path dir) throws Exception;
  }

  /** A further check of a store reopened after a cut, given what it holds. */
  @FunctionalInterface
  public interface RecoveryCheck {
    /**
     * @param reopened the store, open on the image after the cut
     * @param contents what it holds, as the harness read it (already checked)
     * @param lazilyRemoved keys whose last acknowledged operation was a lazy remove: such a remove
     *     may or may not have survived the cut, so the key may be present or absent
     */
    void check(KVStore reopened, Map<ScopedKey, byte[]> contents, Set<ScopedKey> lazilyRemoved)
        throws Exception;
  }

  /** What a round does between cuts. */
  public enum Workload {
    /** Single writes and removes, lazy and not. */
    SINGLE,
    /** Atomic batches of 1 to 200 operations, every fourth step a single operation. */
    BATCH,
    /** Queued writes and removes committed together, every fourth step a single operation. */
    QUEUED
  }

  /** What a run did. */
  public record Report(
      int cuts, long acknowledged, long inFlightAtCut, long inFlightApplied, long diskOperations) {}

  private static final int TRACE_LENGTH = 30;
  private static final String[][] SCOPES = {{"", ""}, {"monitors", ""}, {"payments", "p2"}};

  private final String name;
  private final Target target;
  private Workload workload = Workload.SINGLE;
  private long seed = 1;
  private boolean checkOrder;
  private RecoveryCheck recoveryCheck = (store, contents, lazilyRemoved) -> {};
  private int stepsPerGeneration = 24;
  private Consumer<SimulatedDisk> diskSetup = disk -> {};
  private int firstRound;
  private boolean faults = true;
  private int threads = 1;

  private PowerCutHarness(String name, Target target) {
    this.name = name;
    this.target = target;
  }

  /**
   * A harness for the store {@code target} opens.
   *
   * @param name names the store in failures
   */
  public static PowerCutHarness of(String name, Target target) {
    return new PowerCutHarness(Objects.requireNonNull(name), Objects.requireNonNull(target));
  }

  /** The workload each round runs (default {@link Workload#SINGLE}). */
  public PowerCutHarness workload(Workload workload) {
    this.workload = Objects.requireNonNull(workload);
    return this;
  }

  /** The seed of the whole run (default 1). */
  public PowerCutHarness seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Steps (operations or batches) per generation (default 24). */
  public PowerCutHarness steps(int steps) {
    this.stepsPerGeneration = steps;
    return this;
  }

  /**
   * Starts at round {@code round} of the seed's sequence, to reproduce a failure quickly: the
   * failure message names its round. Rounds before it are skipped, not run.
   */
  public PowerCutHarness fromRound(int round) {
    this.firstRound = round;
    return this;
  }

  /** Also check, after every reopen, that pages list keys newest-created first. */
  public PowerCutHarness checkCreationOrder() {
    this.checkOrder = true;
    return this;
  }

  /**
   * Prepares every new disk of the run before the store opens on it (e.g. {@link
   * SimulatedDisk#ignoreFsyncs}, for a self-test). Images after a cut keep the setup. Not for
   * {@link SimulatedDisk#injectFault}: the harness uses that hook to trace the disk's operations
   * and inject its own faults ({@link #faults}).
   */
  public PowerCutHarness diskSetup(Consumer<SimulatedDisk> setup) {
    this.diskSetup = Objects.requireNonNull(setup);
    return this;
  }

  /**
   * Whether half of the generations, chosen by the seed, meet one disk fault at a random operation
   * before their cut (default true): EIO on a write, a creation, a truncation, a rename or an
   * fsync, ENOSPC on a write, or a failed fsync, which drops the changes it was to make durable.
   * The step it fails counts as in flight (applied wholly or not at all); the store is then closed,
   * with no more faults, as a node would shut down, and the cut follows. Every acknowledged write
   * must survive it, and the store must reopen.
   */
  public PowerCutHarness faults(boolean inject) {
    this.faults = inject;
    return this;
  }

  /**
   * Runs the workload on {@code n} threads at once on the one store (default 1): each thread has
   * keys of its own in the same namespaces (so namespace folders are created in races), single
   * operations race batches, and each thread's acknowledged state and operation in flight are
   * checked after every cut. For {@link Workload#SINGLE} and {@link Workload#BATCH}.
   */
  public PowerCutHarness threads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + n);
    }
    this.threads = n;
    return this;
  }

  /** Runs {@code check} on every reopened store, after the harness's own checks. */
  public PowerCutHarness recoveryCheck(RecoveryCheck check) {
    this.recoveryCheck = Objects.requireNonNull(check);
    return this;
  }

  /**
   * Cuts per workload and store for this run: {@value #CUTS_PROPERTY}, else LNKV_POWER_CUTS, else
   * 200.
   */
  public static int configuredCuts() {
    return TestSettings.integer(CUTS_PROPERTY, "LNKV_POWER_CUTS", 200);
  }

  /**
   * Runs until {@code cuts} power cuts have been checked.
   *
   * @throws AssertionError describing the first lost, stale or torn value or torn batch, with the
   *     seed and cut that reproduce it
   */
  public Report run(int cuts) throws Exception {
    if (threads > 1 && workload == Workload.QUEUED) {
      throw new IllegalArgumentException(
          "a queue's commits take every thread's operations at once");
    }
    long span = calibrate();
    Totals totals = new Totals();
    int cut = 0;
    for (int round = firstRound; cut < cuts; round++) {
      long roundSeed = mix(seed, round);
      SplittableRandom random = new SplittableRandom(roundSeed);
      SimulatedDisk disk = SimulatedDisk.create();
      diskSetup.accept(disk);
      List<PowerCutModel> models = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        models.add(new PowerCutModel());
      }
      for (int generation = 0; generation < 2 && cut < cuts; generation++, cut++) {
        long cutAfter = random.nextLong(span + span / 5 + 1);
        disk.cutPowerAfter(cutAfter);
        long start = disk.operations();
        long faultAt = faults && random.nextBoolean() ? start + random.nextLong(cutAfter + 1) : -1;
        int faultKind = random.nextInt(FAULTS);
        DiskFault fault = new DiskFault();
        ArrayDeque<String> trace = new ArrayDeque<>();
        disk.injectFault(
            (op, path, index) -> {
              if (trace.size() == TRACE_LENGTH) {
                trace.removeFirst();
              }
              trace.addLast(index + " " + op + " " + path);
              if (fault.armed && index >= faultAt && faultAt >= 0 && fault.injected == null) {
                IOException e = fault(op, faultKind);
                if (e != null) {
                  fault.injected = index + " " + op + " " + path + ": " + e.getMessage();
                  trace.addLast("(injected: " + e.getMessage() + ")");
                  return e;
                }
              }
              return null;
            });
        Generation g =
            threads == 1
                ? runGeneration(disk, models.get(0), random, generation, fault)
                : runThreads(disk, models, random, generation, fault);
        totals.acknowledged += g.acknowledged;
        totals.operations += disk.operations();
        int image = cut % 3;
        long imageSeed = random.nextLong();
        disk =
            switch (image) {
              case 0 -> disk.cutPower();
              case 1 -> disk.cutPower(imageSeed);
              default -> disk.cutPowerReordered(imageSeed);
            };
        String where =
            name
                + ", "
                + workload
                + ", seed "
                + seed
                + ", round "
                + round
                + " (seed "
                + roundSeed
                + "), generation "
                + generation
                + ", cut after "
                + cutAfter
                + " disk operations, "
                + (image == 0
                    ? "strict image"
                    : (image == 1 ? "random image " : "reordered image ") + imageSeed)
                + (fault.injected == null ? "" : ", after the fault " + fault.injected)
                + " (the disk's last operations before the cut: "
                + String.join(", ", trace)
                + ")";
        for (PowerCutModel model : models) {
          if (model.inFlight != null) {
            totals.inFlight++;
          }
        }
        totals.inFlightApplied += checkReopened(disk.durableCopy(), models, where);
      }
    }
    return new Report(
        cut, totals.acknowledged, totals.inFlight, totals.inFlightApplied, totals.operations);
  }

  private static final class Totals {
    long acknowledged;
    long inFlight;
    long inFlightApplied;
    long operations;
  }

  /** The disk operations of one uncut generation: cuts fall uniformly in it, and just after it. */
  private long calibrate() throws Exception {
    SimulatedDisk disk = SimulatedDisk.create();
    diskSetup.accept(disk);
    DiskFault none = new DiskFault();
    none.armed = false;
    List<PowerCutModel> models = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      models.add(new PowerCutModel());
    }
    SplittableRandom random = new SplittableRandom(mix(seed, -1));
    Generation g =
        threads == 1
            ? runGeneration(disk, models.get(0), random, 0, none)
            : runThreads(disk, models, random, 0, none);
    if (g.failure != null) {
      throw new AssertionError(name + ": the workload fails without a power cut", g.failure);
    }
    return Math.max(1, disk.operations());
  }

  private record Generation(long acknowledged, Exception failure) {}

  /** The fault a generation may meet: armed while the workload runs, then disarmed for close. */
  private static final class DiskFault {
    volatile boolean armed = true;
    volatile String injected; // what failed, once it did
  }

  private static final int FAULTS = 4;

  /** The error {@code kind} gives {@code op}, or null if that kind does not apply to it. */
  private static IOException fault(SimulatedDisk.Operation op, int kind) {
    return switch (op) {
      case WRITE ->
          kind % 2 == 0
              ? new IOException("No space left on device")
              : new IOException("Input/output error");
      case FSYNC -> new IOException("Input/output error (fsync; its changes are dropped)");
      case CREATE, TRUNCATE, RENAME, MKDIR ->
          kind == 3 ? new IOException("Input/output error") : null;
      default -> null;
    };
  }

  /** Opens the store and runs steps until the disk turns off or the steps are done; then closes. */
  private Generation runGeneration(
      SimulatedDisk disk,
      PowerCutModel model,
      SplittableRandom random,
      int generation,
      DiskFault fault) {
    model.inFlight = null;
    KVStore store = null;
    QueuedStore queue = null;
    long acknowledged = 0;
    try {
      store = target.open(disk.path("/data"));
      if (workload == Workload.QUEUED) {
        queue = QueuedStore.builder((AbstractKVStore) store).build();
      }
      for (int i = 0; i < stepsPerGeneration; i++) {
        PowerCutStep step = nextStep(random, model, generation * 1000L + i, i, "");
        model.begin(step);
        apply(step, store, queue);
        model.acknowledge(step);
        acknowledged++;
      }
      model.inFlight = PowerCutStep.CLOSE;
      (queue != null ? queue : store).close();
      model.inFlight = null;
      return new Generation(acknowledged, null);
    } catch (Exception e) {
      if (model.inFlight == PowerCutStep.CLOSE) {
        model.inFlight = null; // closing changes no key
      }
      if (!disk.poweredOff() && fault.injected == null) {
        throw new AssertionError(name + ": a step failed although the power was on: " + e, e);
      }
      // After an injected fault the node shuts down, the disk healthy again (the armed cut may
      // still come while it closes); after a cut, closing only releases what it held.
      fault.armed = false;
      closeQuietly(queue != null ? queue : store);
      return new Generation(acknowledged, e);
    }
  }

  /**
   * Opens the store and runs steps on {@link #threads} threads, each with its own keys and model,
   * until the disk turns off or the steps are done; then closes.
   */
  private Generation runThreads(
      SimulatedDisk disk,
      List<PowerCutModel> models,
      SplittableRandom random,
      int generation,
      DiskFault fault) {
    models.forEach(m -> m.inFlight = null);
    KVStore store;
    try {
      store = target.open(disk.path("/data"));
    } catch (Exception e) {
      if (!disk.poweredOff() && fault.injected == null) {
        throw new AssertionError(name + ": the store failed to open with the power on: " + e, e);
      }
      fault.armed = false;
      return new Generation(0, e);
    }
    AtomicLong acknowledged = new AtomicLong();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < models.size(); t++) {
      PowerCutModel model = models.get(t);
      SplittableRandom own = random.split();
      String prefix = "t" + t;
      int thread = t;
      workers.add(
          new Thread(
              () -> {
                for (int i = 0; i < stepsPerGeneration; i++) {
                  long stepId = (generation * 1000L + i) * 16 + thread;
                  PowerCutStep step = nextStep(own, model, stepId, i, prefix);
                  model.begin(step);
                  try {
                    apply(step, store, null);
                  } catch (RuntimeException e) {
                    if (!disk.poweredOff() && fault.injected == null) {
                      unexpected.compareAndSet(null, e);
                    }
                    return; // in flight: applied wholly or not at all
                  }
                  model.acknowledge(step);
                  acknowledged.incrementAndGet();
                }
              },
              "power-cut-worker-" + t));
    }
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      try {
        w.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(name + ": interrupted while the workers ran", e);
      }
    }
    Throwable failure = unexpected.get();
    if (failure != null) {
      closeQuietly(store);
      throw new AssertionError(
          name + ": a step failed although the power was on: " + failure, failure);
    }
    fault.armed = false;
    if (!disk.poweredOff() && fault.injected == null) {
      store.close(); // a failure here, with the power on, is the store's
    } else {
      closeQuietly(store);
    }
    return new Generation(acknowledged.get(), null);
  }

  private static void closeQuietly(KVStore store) {
    if (store == null) {
      return;
    }
    try {
      store.close();
    } catch (RuntimeException expected) {
      // the disk is off; closing only releases what this process held
    }
  }

  private static void apply(PowerCutStep step, KVStore store, QueuedStore queue) {
    if (step.batch() == null) {
      ScopedKey k = step.single().key();
      if (step.single() instanceof BatchOp.Write w) {
        store.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), w.value());
      } else {
        store.remove(k.primaryNamespace(), k.secondaryNamespace(), k.key(), step.lazy());
      }
    } else if (queue == null) {
      store.writeBatch(step.batch());
    } else {
      for (BatchOp op : step.batch()) {
        ScopedKey k = op.key();
        if (op instanceof BatchOp.Write w) {
          queue.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), w.value());
        } else {
          queue.remove(k.primaryNamespace(), k.secondaryNamespace(), k.key(), false);
        }
      }
      queue.commit();
    }
  }

  private PowerCutStep nextStep(
      SplittableRandom random, PowerCutModel model, long stepId, int index, String prefix) {
    int keys = workload == Workload.SINGLE ? 8 : 40;
    boolean single = workload == Workload.SINGLE || index % 4 == 3;
    if (single) {
      ScopedKey key = randomKey(random, keys, prefix);
      if (random.nextInt(4) == 0) {
        return PowerCutStep.single(new BatchOp.Remove(key), random.nextBoolean());
      }
      return PowerCutStep.single(new BatchOp.Write(key, value(random, stepId, 0)), false);
    }
    int size = random.nextInt(8) == 0 ? 1 + random.nextInt(200) : 1 + random.nextInt(12);
    List<BatchOp> ops = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      ScopedKey key = randomKey(random, keys, prefix);
      ops.add(
          random.nextInt(5) == 0
              ? new BatchOp.Remove(key)
              : new BatchOp.Write(key, value(random, stepId, i)));
    }
    return PowerCutStep.batch(ops);
  }

  private static ScopedKey randomKey(SplittableRandom random, int keys, String prefix) {
    String[] scope = SCOPES[random.nextInt(SCOPES.length)];
    return ScopedKey.of(scope[0], scope[1], prefix + "k" + random.nextInt(keys));
  }

  /** A value that names its step and position; sizes from 8 bytes to several sectors. */
  private static byte[] value(SplittableRandom random, long stepId, int position) {
    int length =
        switch (random.nextInt(10)) {
          case 0 -> 2000 + random.nextInt(7000);
          case 1, 2, 3 -> 100 + random.nextInt(1900);
          default -> 16 + random.nextInt(84);
        };
    byte[] v = new byte[length];
    random.nextBytes(v);
    ByteBuffer.wrap(v).putLong(stepId).putInt(position);
    return v;
  }

  private static long mix(long seed, long round) {
    return new SplittableRandom(seed ^ (round * 0x9E3779B97F4A7C15L)).nextLong();
  }

  /**
   * Reopens the store on the image and checks it against the model; then makes what it found the
   * model's state. Returns whether the step in flight took effect.
   */
  private int checkReopened(SimulatedDisk disk, List<PowerCutModel> models, String where)
      throws Exception {
    KVStore store;
    try {
      store = target.open(disk.path("/data"));
    } catch (Exception e) {
      throw new AssertionError(where + ": the store does not reopen after the cut: " + e, e);
    }
    try {
      Map<ScopedKey, byte[]> actual = new LinkedHashMap<>();
      int applied = 0;
      Set<ScopedKey> lazilyRemoved = new HashSet<>();
      for (PowerCutModel model : models) { // each thread's keys are its own
        Map<ScopedKey, byte[]> its = new LinkedHashMap<>();
        for (ScopedKey k : model.keys()) {
          byte[] v = readOrNull(store, k);
          if (v != null) {
            its.put(k, v);
          }
        }
        if (model.judge(its, where)) {
          applied++;
        }
        lazilyRemoved.addAll(model.lazilyRemoved);
        actual.putAll(its);
      }
      checkListings(store, models, actual, where);
      try {
        recoveryCheck.check(store, actual, lazilyRemoved);
      } catch (AssertionError | Exception e) {
        throw new AssertionError(where + ": " + e.getMessage(), e);
      }
      return applied;
    } finally {
      store.close();
    }
  }

  private void checkListings(
      KVStore store, List<PowerCutModel> models, Map<ScopedKey, byte[]> actual, String where) {
    for (String[] scope : SCOPES) {
      Set<String> expected = new HashSet<>();
      for (ScopedKey k : actual.keySet()) {
        if (k.primaryNamespace().equals(scope[0]) && k.secondaryNamespace().equals(scope[1])) {
          expected.add(k.key());
        }
      }
      List<String> listed = store.list(scope[0], scope[1]);
      if (!new HashSet<>(listed).equals(expected) || listed.size() != expected.size()) {
        throw new AssertionError(
            where
                + ": list("
                + Arrays.toString(scope)
                + ") is "
                + listed
                + ", reads found "
                + expected);
      }
      if (checkOrder && store instanceof PaginatedKVStore paginated) {
        List<String> paged = Pages.all(paginated, scope[0], scope[1]);
        if (!new HashSet<>(paged).equals(expected) || paged.size() != expected.size()) {
          throw new AssertionError(
              where
                  + ": pages of "
                  + Arrays.toString(scope)
                  + " are "
                  + paged
                  + ", reads found "
                  + expected);
        }
        for (PowerCutModel model : models) {
          model.checkOrder(scope, paged, where); // within each thread's keys
        }
      }
    }
  }

  private static byte[] readOrNull(KVStore store, ScopedKey k) {
    try {
      return store.read(k.primaryNamespace(), k.secondaryNamespace(), k.key());
    } catch (KeyNotFoundException e) {
      return null;
    }
  }
}
