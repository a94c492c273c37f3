package io.lnkv.testkit;

import io.lnkv.BatchOp;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the crash child does, reproducible by the parent: step {@code n} of a run with seed {@code
 * s} is always the same operations, and the value a step writes to a key is determined by (key,
 * step), so the parent can tell a whole value from a torn or foreign one by regenerating it.
 */
final class CrashWorkload {
  static final String PRIMARY = "crash";
  static final String SECONDARY = "kill";

  /** What one step is. */
  enum Mode {
    /** One write or remove. */
    SINGLE(24, 1, 48 * 1024, 250),
    /**
     * An atomic batch of 1 to 200 writes and removes; every fourth step is one write or remove of
     * the same keys instead, so that batches and single operations interleave on each key.
     */
    BATCH(300, 200, 4 * 1024, 600);

    final int keys;
    final int maxOps;
    final int maxValue;
    final int maxKillDelayMillis;

    Mode(int keys, int maxOps, int maxValue, int maxKillDelayMillis) {
      this.keys = keys;
      this.maxOps = maxOps;
      this.maxValue = maxValue;
      this.maxKillDelayMillis = maxKillDelayMillis;
    }
  }

  private CrashWorkload() {}

  static String key(int index) {
    return "key" + index;
  }

  /** Whether step {@code step} is one write or remove rather than a batch. */
  static boolean singleOperation(Mode mode, long step) {
    return mode == Mode.SINGLE || step % 4 == 0;
  }

  /** The operations of step {@code step}. */
  static List<BatchOp> step(Mode mode, long seed, long step) {
    Random r = new Random(seed * 1_000_003L + step);
    int count = singleOperation(mode, step) ? 1 : 1 + r.nextInt(mode.maxOps);
    List<BatchOp> ops = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String key = key(r.nextInt(mode.keys));
      ops.add(
          r.nextInt(8) == 0
              ? BatchOp.remove(PRIMARY, SECONDARY, key)
              : BatchOp.write(PRIMARY, SECONDARY, key, value(mode, key, step)));
    }
    return ops;
  }

  static byte[] value(Mode mode, String key, long step) {
    Random r = new Random(step * 31 + key.hashCode());
    int length = 16 + r.nextInt(mode.maxValue);
    byte[] value = new byte[length];
    r.nextBytes(value);
    ByteBuffer.wrap(value).putLong(step).putInt(key.hashCode());
    return value;
  }
}
