package io.lnkv.testkit;

import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.ScopedKey;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Kills a writing process with SIGKILL at random moments and checks, after each kill, that the
 * store reopens with every acknowledged write present and every value whole.
 *
 * <p>Each round starts a child JVM ({@link CrashChild}) on the same folder, lets it write for a
 * random time, kills it, reads everything it printed (an acknowledgement in the pipe counts), then
 * opens the store here and checks every key: it must hold the effect of its last acknowledged
 * operation, or of the operation in flight at the kill, byte for byte. State carries over from
 * round to round, so each round also recovers from the previous kill.
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

  /** What a run did. */
  public record Report(int kills, long acknowledgedOperations, long inFlightAtKill) {}

  /**
   * @param target opens the store, in the child and here
   * @param dir the store folder (may not exist yet)
   * @param seed makes the run reproducible (apart from timing)
   */
  public CrashHarness(Class<? extends CrashTarget> target, Path dir, long seed) {
    this.target = target;
    this.dir = dir;
    this.random = new Random(seed);
  }

  /** The kills per store for this run: {@value #KILLS_PROPERTY}, else LNKV_CRASH_KILLS, else 50. */
  public static int configuredKills() {
    String value = System.getProperty(KILLS_PROPERTY);
    if (value == null || value.isBlank()) {
      value = System.getenv("LNKV_CRASH_KILLS");
    }
    return value == null || value.isBlank() ? 50 : Integer.parseInt(value.trim());
  }

  /**
   * Runs {@code kills} rounds.
   *
   * @throws AssertionError describing the first lost or torn value
   */
  public Report run(int kills) throws IOException, InterruptedException {
    Map<String, Long> state = new HashMap<>(); // key -> seq of its value, absent = no value
    long seq = 1;
    long acknowledged = 0;
    long inFlight = 0;
    CrashTarget opener = newTarget();
    for (int round = 1; round <= kills; round++) {
      Round r = runChild(seq, round);
      acknowledged += r.acks;
      for (String[] op : r.completed) {
        apply(state, op);
      }
      Map<String, Long> alternative = null;
      String inFlightKey = null;
      if (r.pending != null) {
        inFlight++;
        inFlightKey = r.pending[2];
        alternative = new HashMap<>(state);
        apply(alternative, r.pending);
      }
      seq = r.nextSeq;
      try (KVStore store = opener.open(dir)) {
        for (int i = 0; i < CrashWorkload.KEYS; i++) {
          String key = CrashWorkload.key(i);
          byte[] actual = readOrNull(store, key);
          boolean ok = matches(actual, key, state.get(key));
          if (!ok && key.equals(inFlightKey) && matches(actual, key, alternative.get(key))) {
            ok = true;
            apply(state, r.pending); // the in-flight operation took effect
          }
          if (!ok) {
            throw new AssertionError(
                "After kill "
                    + round
                    + ", "
                    + ScopedKey.of(CrashWorkload.PRIMARY, CrashWorkload.SECONDARY, key)
                    + " holds "
                    + describe(actual, key)
                    + " but the last acknowledged operation left "
                    + (state.get(key) == null ? "no value" : "write #" + state.get(key))
                    + (key.equals(inFlightKey)
                        ? " (in flight: " + String.join(" ", r.pending) + ")"
                        : "")
                    + "; store folder "
                    + dir);
          }
        }
      }
    }
    return new Report(kills, acknowledged, inFlight);
  }

  private static void apply(Map<String, Long> state, String[] op) {
    if (op[1].equals("W")) {
      state.put(op[2], Long.parseLong(op[3]));
    } else {
      state.remove(op[2]);
    }
  }

  private static boolean matches(byte[] actual, String key, Long seq) {
    if (seq == null) {
      return actual == null;
    }
    return actual != null && Arrays.equals(actual, CrashWorkload.value(key, seq));
  }

  private static String describe(byte[] actual, String key) {
    if (actual == null) {
      return "no value";
    }
    long seq = actual.length >= 8 ? ByteBuffer.wrap(actual).getLong() : -1;
    boolean whole = seq > 0 && Arrays.equals(actual, CrashWorkload.value(key, seq));
    return actual.length + " bytes (" + (whole ? "write #" + seq : "torn or foreign") + ")";
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

  private record Round(List<String[]> completed, String[] pending, long acks, long nextSeq) {}

  private Round runChild(long firstSeq, int round) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        List.of(
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            CrashChild.class.getName(),
            target.getName(),
            dir.toString(),
            Long.toString(random.nextLong()),
            Long.toString(firstSeq));
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
    long killAfterMillis = 10 + random.nextInt(250);
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
    if (stderr.toString().contains("Exception")) {
      throw new AssertionError("Crash child of round " + round + " failed: " + stderr);
    }
    return parse(lines, firstSeq);
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

  private static Round parse(List<String> lines, long firstSeq) {
    List<String[]> completed = new ArrayList<>();
    String[] pending = null;
    long acks = 0;
    long next = firstSeq;
    for (String line : lines) {
      String[] parts = line.split(" ");
      if (parts[0].equals("B") && parts.length == 4) {
        pending = parts;
        next = Long.parseLong(parts[3]) + 1;
      } else if (parts[0].equals("A")
          && parts.length == 2
          && pending != null
          && pending[3].equals(parts[1])) {
        completed.add(pending);
        pending = null;
        acks++;
      }
      // anything else is a line cut by the kill
    }
    return new Round(completed, pending, acks, next);
  }
}
