package io.lnkv.vss.server;

import java.time.Duration;

/**
 * The request-body bytes the server holds at once, bounded: a request reserves its body's length
 * before reading it and gives it back when answered. When the budget is spent, a request waits up
 * to a while and is then refused (503), so that many large requests at once cannot exhaust the
 * heap. Thread-safe.
 */
final class BodyBudget {
  private final long capacity;
  private long inUse; // guarded by this

  BodyBudget(long capacity) {
    this.capacity = capacity;
  }

  /**
   * Reserves {@code bytes} (at most the capacity), waiting up to {@code wait} for them.
   *
   * @return whether they were reserved; if so, {@link #release} them
   */
  synchronized boolean reserve(long bytes, Duration wait) throws InterruptedException {
    if (bytes > capacity) {
      throw new IllegalArgumentException(bytes + " bytes is more than the whole budget");
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (inUse + bytes > capacity) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    inUse += bytes;
    return true;
  }

  synchronized void release(long bytes) {
    inUse -= bytes;
    notifyAll();
  }

  synchronized long inUse() {
    return inUse;
  }

  long capacity() {
    return capacity;
  }
}
