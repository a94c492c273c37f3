package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.ScopedKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference model of a {@link PowerCutHarness} run. What the store may hold: per key the
 * acknowledged value, plus values a lazy remove may have left; the step in flight; and the order in
 * which keys were created.
 */
final class PowerCutModel {
  final Map<ScopedKey, byte[]> acked = new HashMap<>();
  final Map<ScopedKey, List<byte[]>> leftovers = new HashMap<>();
  // Keys whose last operation was a lazy remove, across cuts: what survived of it is uncertain.
  final Set<ScopedKey> lazilyRemoved = new HashSet<>();
  final Map<ScopedKey, Long> created = new HashMap<>();
  final Set<ScopedKey> touched = new HashSet<>();
  long clock;
  PowerCutStep inFlight;

  Set<ScopedKey> keys() {
    return touched;
  }

  /** The step is about to run: its keys are read back after the cut. */
  void begin(PowerCutStep step) {
    inFlight = step;
    for (BatchOp op : step.ops()) {
      touched.add(op.key());
    }
  }

  void acknowledge(PowerCutStep step) {
    inFlight = null;
    applyTo(step, acked, leftovers, created);
    noteLaziness(step);
  }

  private void applyTo(
      PowerCutStep step,
      Map<ScopedKey, byte[]> values,
      Map<ScopedKey, List<byte[]>> left,
      Map<ScopedKey, Long> creation) {
    for (BatchOp op : step.ops()) {
      ScopedKey k = op.key();
      touched.add(k);
      if (op instanceof BatchOp.Write w) {
        if (!values.containsKey(k)) {
          creation.put(k, ++clock);
        }
        values.put(k, w.value());
        left.remove(k);
      } else if (step.lazy()) {
        byte[] old = values.remove(k);
        if (old != null) {
          left.computeIfAbsent(k, x -> new ArrayList<>()).add(old);
        }
      } else {
        values.remove(k);
        left.remove(k);
      }
    }
  }

  private static boolean allowed(
      ScopedKey k,
      byte[] actual,
      Map<ScopedKey, byte[]> values,
      Map<ScopedKey, List<byte[]>> left) {
    if (Arrays.equals(actual, values.get(k))) {
      return true;
    }
    for (byte[] v : left.getOrDefault(k, List.of())) {
      if (Arrays.equals(actual, v)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks the store's contents, then adopts them. Returns whether the step in flight took effect.
   */
  boolean judge(Map<ScopedKey, byte[]> actual, String where) {
    String before = firstDifference(actual, acked, leftovers);
    if (inFlight == null || inFlight.ops().isEmpty()) {
      if (before != null) {
        throw new AssertionError(where + ": " + before + " (no operation was in flight)");
      }
      adopt(actual);
      return false;
    }
    Map<ScopedKey, byte[]> afterValues = new HashMap<>(acked);
    Map<ScopedKey, List<byte[]>> afterLeft = new HashMap<>();
    leftovers.forEach((k, v) -> afterLeft.put(k, new ArrayList<>(v)));
    Map<ScopedKey, Long> afterCreated = new HashMap<>(created);
    long clockBefore = clock;
    applyTo(inFlight, afterValues, afterLeft, afterCreated);
    String after = firstDifference(actual, afterValues, afterLeft);
    if (before == null) {
      clock = clockBefore;
      if (inFlight.lazy()) {
        noteLaziness(inFlight); // it may have reached some places and not others
      }
      adopt(actual);
      return false;
    }
    if (after == null) {
      created.putAll(afterCreated);
      noteLaziness(inFlight);
      adopt(actual);
      return true;
    }
    throw new AssertionError(
        where
            + ": the store matches neither the acknowledged state ("
            + before
            + ") nor the state after the "
            + (inFlight.batch() != null ? "batch of " + inFlight.batch().size() : "operation")
            + " in flight ("
            + after
            + ")");
  }

  private String firstDifference(
      Map<ScopedKey, byte[]> actual,
      Map<ScopedKey, byte[]> values,
      Map<ScopedKey, List<byte[]>> left) {
    for (ScopedKey k : touched) {
      byte[] v = actual.get(k);
      if (!allowed(k, v, values, left)) {
        byte[] expected = values.get(k);
        return k
            + " holds "
            + describe(v)
            + " where "
            + describe(expected)
            + " was acknowledged"
            + (left.containsKey(k) ? " (or a lazily removed value)" : "");
      }
    }
    return null;
  }

  private static String describe(byte[] v) {
    if (v == null) {
      return "no value";
    }
    if (v.length < 12) {
      return v.length + " bytes (torn or foreign)";
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    return v.length + " bytes naming step " + b.getLong() + " op " + b.getInt();
  }

  private void noteLaziness(PowerCutStep step) {
    for (BatchOp op : step.ops()) {
      if (step.lazy() && op instanceof BatchOp.Remove) {
        lazilyRemoved.add(op.key());
      } else {
        lazilyRemoved.remove(op.key());
      }
    }
  }

  /** Makes the store's contents the acknowledged state. */
  private void adopt(Map<ScopedKey, byte[]> actual) {
    for (ScopedKey k : touched) {
      byte[] v = actual.get(k);
      if (v == null) {
        created.remove(k);
      } else {
        created.putIfAbsent(k, ++clock);
      }
    }
    acked.clear();
    acked.putAll(actual);
    leftovers.clear();
    inFlight = null;
  }

  /** Keys must come newest-created first. */
  void checkOrder(String[] scope, List<String> paged, String where) {
    long previous = Long.MAX_VALUE;
    String previousKey = null;
    for (String key : paged) {
      Long c = created.get(ScopedKey.of(scope[0], scope[1], key));
      if (c == null) {
        continue;
      }
      if (c > previous) {
        throw new AssertionError(
            where
                + ": pages of "
                + Arrays.toString(scope)
                + " list "
                + previousKey
                + " before "
                + key
                + ", which was created after it: "
                + paged);
      }
      previous = c;
      previousKey = key;
    }
  }
}
