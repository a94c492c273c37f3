package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.ScopedKey;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Kills a writing process with SIGKILL at random moments and checks, after each kill, that the
 * store reopens with every acknowledged step present, every value whole and, in batch mode, every
 * batch fully present or fully absent.
 *
 * <p>Each round starts a child JVM ({@link CrashChild}) on the same folder, lets it work for a
 * random time, kills it, reads everything it printed (an acknowledgement in the pipe counts), then
 * opens the store here and reads every key of the workload. The whole store must equal the state
 * after the last acknowledged step, or the state after the step in flight at the kill, byte for
 * byte: anything else is a lost write, a torn value or a torn batch. State carries over from round
 * to round, so each round also recovers from the previous kill.
 *
 * <p>The number of kills in the default test run comes from the system property or environment
 * variable {@value #KILLS_PROPERTY} / {@code LNKV_CRASH_KILLS}; see {@link #configuredKills}.
 */
public final class CrashHarness {
  /** The system property that sets the number of kills per store (default 50). */
  public static final String KILLS_PROPERTY = "lnkv.crash.kills";

  private final Class<? extends CrashTarget> target;
  private final Path dir;
  private final Random random;
  private final long seed;
  private CrashWorkload.Mode mode = CrashWorkload.Mode.SINGLE;

  /** What a run did. */
  public record Report(
      int kills, long acknowledgedSteps, long inFlightAtKill, long inFlightApplied) {}

  /**
   * @param target opens the store, in the child and here
   * @param dir the store folder (may not exist yet)
   * @param seed makes the run reproducible (apart from timing)
   */
  public CrashHarness(Class<? extends CrashTarget> target, Path dir, long seed) {
    this.target = target;
    this.dir = dir;
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** Each step commits an atomic batch of 1 to 200 operations instead of one operation. */
  public CrashHarness batches() {
    this.mode = CrashWorkload.Mode.BATCH;
    return this;
  }

  /** The kills per store for this run: {@value #KILLS_PROPERTY}, else LNKV_CRASH_KILLS, else 50. */
  public static int configuredKills() {
    return TestSettings.integer(KILLS_PROPERTY, "LNKV_CRASH_KILLS", 50);
  }

  /**
   * Runs {@code kills} rounds.
   *
   * @throws AssertionError describing the first lost write, torn value or torn batch
   */
  public Report run(int kills) throws IOException, InterruptedException {
    CrashTarget opener = newTarget();
    // the children's temporary folder: what a killed JVM leaves there (sqlite-jdbc's 1 MB native
    // library, removed only at a normal exit) goes with the run, not into the machine's /tmp
    Path childTemp = Files.createTempDirectory("lnkv-crash-children-");
    try {
      return rounds(kills, opener, childTemp);
    } finally {
      deleteTree(childTemp);
    }
  }

  private Report rounds(int kills, CrashTarget opener, Path childTemp)
      throws IOException, InterruptedException {
    Map<String, Long> state = new HashMap<>(); // key -> step whose value it holds
    long step = 1;
    long acknowledged = 0;
    long inFlight = 0;
    long inFlightApplied = 0;
    for (int round = 1; round <= kills; round++) {
      Round r = runChild(step, round, childTemp);
      acknowledged += r.acknowledged.size();
      for (long done : r.acknowledged) {
        apply(state, done);
      }
      Map<String, Long> after = null;
      if (r.pending >= 0) {
        inFlight++;
        after = new HashMap<>(state);
        apply(after, r.pending);
      }
      step = r.nextStep;
      Map<String, byte[]> actual = new HashMap<>();
      try (KVStore store = opener.open(dir)) {
        for (int i = 0; i < mode.keys; i++) {
          String key = CrashWorkload.key(i);
          byte[] value = readOrNull(store, key);
          if (value != null) {
            actual.put(key, value);
          }
        }
      }
      String before = difference(actual, state);
      if (before == null) {
        continue;
      }
      if (after != null && difference(actual, after) == null) {
        state = after; // the step in flight took effect, whole
        inFlightApplied++;
        continue;
      }
      throw new AssertionError(
          "After kill "
              + round
              + " the store matches neither the last acknowledged step nor the step in flight ("
              + (r.pending >= 0 ? "step " + r.pending : "none")
              + "): "
              + before
              + (after == null ? "" : "; against the step in flight: " + difference(actual, after))
              + ". Store folder "
              + dir);
    }
    return new Report(kills, acknowledged, inFlight, inFlightApplied);
  }

  private void apply(Map<String, Long> state, long step) {
    for (BatchOp op : CrashWorkload.step(mode, seed, step)) {
      if (op instanceof BatchOp.Write) {
        state.put(op.key().key(), step);
      } else {
        state.remove(op.key().key());
      }
    }
  }

  /** The first key where the store differs from {@code expected}, described; null if none. */
  private String difference(Map<String, byte[]> actual, Map<String, Long> expected) {
    for (int i = 0; i < mode.keys; i++) {
      String key = CrashWorkload.key(i);
      Long step = expected.get(key);
      byte[] value = actual.get(key);
      boolean ok =
          step == null ? value == null : Arrays.equals(value, CrashWorkload.value(mode, key, step));
      if (!ok) {
        return ScopedKey.of(CrashWorkload.PRIMARY, CrashWorkload.SECONDARY, key)
            + " holds "
            + describe(value, key)
            + " where "
            + (step == null ? "no value" : "step " + step + "'s value")
            + " was expected";
      }
    }
    return null;
  }

  private String describe(byte[] actual, String key) {
    if (actual == null) {
      return "no value";
    }
    long seq = actual.length >= 8 ? ByteBuffer.wrap(actual).getLong() : -1;
    boolean whole = seq > 0 && Arrays.equals(actual, CrashWorkload.value(mode, key, seq));
    return actual.length
        + " bytes ("
        + (whole ? "step " + seq + "'s value" : "torn or foreign")
        + ")";
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static byte[] readOrNull(KVStore store, String key) {
    try {
      return store.read(CrashWorkload.PRIMARY, CrashWorkload.SECONDARY, key);
    } catch (KeyNotFoundException e) {
      return null;
    }
  }

  private CrashTarget newTarget() {
    try {
      return target.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(
          target + " needs a public no-argument constructor to be a CrashTarget", e);
    }
  }

  private record Round(List<Long> acknowledged, long pending, long nextStep) {}

  private Round runChild(long firstStep, int round, Path childTemp)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        List.of(
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Djava.io.tmpdir=" + childTemp,
            "-cp",
            System.getProperty("java.class.path"),
            CrashChild.class.getName(),
            target.getName(),
            dir.toString(),
            mode.name(),
            Long.toString(seed),
            Long.toString(firstStep));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(false).start();
    List<String> lines = new ArrayList<>();
    StringBuilder stderr = new StringBuilder();
    Thread errReader =
        new Thread(
            () -> {
              try {
                stderr.append(
                    new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException ignored) {
                // the child is gone
              }
            });
    errReader.start();
    long killAfterMillis = 10 + random.nextInt(mode.maxKillDelayMillis);
    try (InputStream out = new BufferedInputStream(child.getInputStream())) {
      String first = readLine(out);
      if (!"READY".equals(first)) {
        child.destroyForcibly().waitFor();
        errReader.join();
        throw new AssertionError(
            "Crash child of round " + round + " did not start (" + first + "): " + stderr);
      }
      Thread killer =
          new Thread(
              () -> {
                try {
                  Thread.sleep(killAfterMillis);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                // SIGKILL through the handle: Process.destroyForcibly() would also close our end
                // of the pipe and lose acknowledgements the child already wrote to it.
                child.toHandle().destroyForcibly();
              });
      killer.start();
      String line;
      while ((line = readLine(out)) != null) {
        lines.add(line);
      }
      killer.join();
    }
    if (!child.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("Crash child of round " + round + " did not die");
    }
    errReader.join();
    if (stderr.toString().contains("Exception in thread")) { // an uncaught failure, not a log line
      throw new AssertionError("Crash child of round " + round + " failed: " + stderr);
    }
    return parse(lines, firstStep);
  }

  /** The next whole line, or null at the end; a last line cut by the kill is dropped. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        return line.toString();
      }
      line.append((char) c);
    }
    return null;
  }

  private static Round parse(List<String> lines, long firstStep) {
    List<Long> acknowledged = new ArrayList<>();
    long pending = -1;
    long next = firstStep;
    for (String line : lines) {
      String[] parts = line.split(" ");
      if (parts.length != 2) {
        continue;
      }
      long step = Long.parseLong(parts[1]);
      if (parts[0].equals("B")) {
        pending = step;
        next = step + 1;
      } else if (parts[0].equals("A") && step == pending) {
        acknowledged.add(step);
        pending = -1;
      }
    }
    return new Round(acknowledged, pending, next);
  }
}
