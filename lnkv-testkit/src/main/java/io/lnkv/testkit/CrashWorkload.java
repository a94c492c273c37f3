package io.lnkv.testkit;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * The values the crash child writes, reproducible by the parent: the value of write number {@code
 * seq} to key {@code k} is determined by (k, seq), so the parent can tell a whole value from a torn
 * or foreign one by regenerating it.
 */
final class CrashWorkload {
  static final String PRIMARY = "crash";
  static final String SECONDARY = "kill";
  static final int KEYS = 24;
  private static final int MAX_VALUE = 48 * 1024;

  private CrashWorkload() {}

  static String key(int index) {
    return "key" + index;
  }

  static byte[] value(String key, long seq) {
    Random r = new Random(seq * 31 + key.hashCode());
    int length = 16 + r.nextInt(MAX_VALUE);
    byte[] value = new byte[length];
    r.nextBytes(value);
    ByteBuffer.wrap(value).putLong(seq).putInt(key.hashCode());
    return value;
  }
}
