package io.lnkv.internal;

import java.time.Duration;

/**
 * Exponential backoff between retries: the first delay, doubled after each failure up to a cap,
 * back to the first after a success. Not thread-safe: one per retrying loop. (VSS requests keep
 * ldk-node's own formula, with jitter, in {@code VssClient}.)
 */
public final class Backoff {
  private final long initialMillis;
  private final long maxMillis;
  private long nextMillis;

  /**
   * @param initial the first delay, positive
   * @param max the longest delay, at least {@code initial}
   */
  public Backoff(Duration initial, Duration max) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max, was " + initial + " and " + max);
    }
    this.initialMillis = initial.toMillis();
    this.maxMillis = max.toMillis();
    this.nextMillis = initialMillis;
  }

  /** The delay before the next attempt, in milliseconds; the one after will be twice as long. */
  public long nextMillis() {
    long delay = nextMillis;
    nextMillis = Math.min(nextMillis * 2, maxMillis);
    return delay;
  }

  /** After a success: the next delay is the first again. */
  public void reset() {
    nextMillis = initialMillis;
  }
}
