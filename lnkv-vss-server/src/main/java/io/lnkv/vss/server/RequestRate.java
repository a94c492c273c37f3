package io.lnkv.vss.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request rate per user: a token bucket of {@code burst} requests refilled at {@code perSecond}.
 * In memory, per server process: N instances behind a load balancer allow a user up to N times the
 * rate. Users whose bucket is full again are forgotten when many are tracked, by a sweep at most
 * every {@link #SWEEP_EVERY_NANOS}: under signature authentication anyone can make users, and a
 * sweep on every request once many are tracked would cost each request a pass over all of them.
 * Thread-safe.
 */
final class RequestRate {
  private static final int FORGET_ABOVE = 100_000;
  static final long SWEEP_EVERY_NANOS = 100_000_000L;

  private final double perSecond;
  private final double burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong lastSweep = new AtomicLong(System.nanoTime());
  private final AtomicLong sweeps = new AtomicLong();

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }
  }

  RequestRate(double perSecond, int burst) {
    if (perSecond <= 0 || burst < 1) {
      throw new IllegalArgumentException(
          "a request rate needs a positive rate and a burst of at least 1, was "
              + perSecond
              + "/s burst "
              + burst);
    }
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** Takes one request from {@code user}'s bucket; false when it is empty (answer 429). */
  boolean tryAcquire(String user) {
    long now = System.nanoTime();
    long last = lastSweep.get();
    if (buckets.size() > FORGET_ABOVE
        && now - last >= SWEEP_EVERY_NANOS
        && lastSweep.compareAndSet(last, now)) { // one thread sweeps
      sweeps.incrementAndGet();
      buckets.values().removeIf(b -> refilled(b, now) >= burst);
    }
    Bucket b = buckets.computeIfAbsent(user, u -> new Bucket(burst, now));
    synchronized (b) {
      b.tokens = refilled(b, now);
      b.updatedNanos = now;
      if (b.tokens < 1) {
        return false;
      }
      b.tokens -= 1;
      return true;
    }
  }

  /** Sweeps made so far, for tests. */
  long sweeps() {
    return sweeps.get();
  }

  /** Users tracked now, for tests. */
  int tracked() {
    return buckets.size();
  }

  /** Whole seconds until a refused user has a token again, for {@code Retry-After}. */
  long retryAfterSeconds() {
    return Math.max(1, (long) Math.ceil(1 / perSecond));
  }

  private double refilled(Bucket b, long now) {
    synchronized (b) {
      return Math.min(burst, b.tokens + (now - b.updatedNanos) / 1e9 * perSecond);
    }
  }
}
