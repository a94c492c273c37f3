package io.lnkv.bench;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A benchmark thread's own keys ({@code t<n>_<i>}, n from 1 in each forked JVM) and a 256-byte
 * value to write, stamped so that each write differs from the last.
 */
@State(Scope.Thread)
public class ThreadKeys {
  private static final AtomicInteger THREADS = new AtomicInteger();

  String prefix;
  int next;
  final byte[] value = new byte[256];

  @Setup(Level.Trial)
  public void setUp() {
    prefix = "t" + THREADS.incrementAndGet() + "_";
  }

  /** The next of this thread's {@code keys} keys, cycling. */
  String nextKey(int keys) {
    return prefix + (next++ % keys);
  }

  /** The value, stamped with the write's number ({@link BenchStores#stamp}). */
  byte[] nextValue() {
    BenchStores.stamp(value, next);
    return value;
  }
}
