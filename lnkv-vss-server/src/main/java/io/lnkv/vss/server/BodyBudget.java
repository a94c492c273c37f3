package io.lnkv.vss.server;

/**
 * The request-body bytes the server holds at once, bounded: every body is counted from its first
 * byte as it arrives (never from the length it declares, which costs a client nothing to send), and
 * given back when its request is answered. When the budget is spent, a request is refused at once
 * (503 with Retry-After; it holds nothing while the client retries), so that many large requests at
 * once cannot exhaust the heap.
 *
 * <p>Large bodies cannot starve small requests: bodies that declare more than {@link #SMALL_BODY}
 * bytes, or no length at all, may use at most seven eighths of the budget, so the last eighth is
 * always left for small bodies, which every VSS read and most writes are. Thread-safe.
 */
final class BodyBudget {
  /** The largest body that may use the whole budget. */
  static final long SMALL_BODY = 64 * 1024;

  private final long capacity;
  private final long largeCapacity;
  private long inUse; // guarded by this
  private long largeInUse; // guarded by this

  BodyBudget(long capacity) {
    this.capacity = capacity;
    this.largeCapacity = capacity - capacity / 8;
  }

  /**
   * What one request holds in the budget, grown as its body arrives. Not thread-safe: one request's
   * reads are serial.
   */
  final class Reservation {
    private final boolean large;
    private long held;

    private Reservation(boolean large) {
      this.large = large;
    }

    /** The bytes held. */
    long held() {
      return held;
    }

    /**
     * Makes the reservation cover {@code total} bytes, doubling (up to {@code limit}) so that a
     * body arriving in many chunks reserves a few times, not once per chunk.
     *
     * @return whether it covers them; if not, nothing more was reserved
     */
    boolean cover(long total, long limit) {
      if (total <= held) {
        return true;
      }
      long doubled = Math.min(limit, Math.max(total, Math.max(2 * held, 16 << 10)));
      return growTo(doubled) || growTo(total);
    }

    private boolean growTo(long target) {
      long add = target - held;
      synchronized (BodyBudget.this) {
        if (inUse + add > capacity || (large && largeInUse + add > largeCapacity)) {
          return false;
        }
        inUse += add;
        if (large) {
          largeInUse += add;
        }
      }
      held = target;
      return true;
    }

    /** Gives everything back; the reservation can grow again afterwards. */
    void release() {
      synchronized (BodyBudget.this) {
        inUse -= held;
        if (large) {
          largeInUse -= held;
        }
      }
      held = 0;
    }
  }

  /**
   * A new, empty reservation for a body that declares {@code declaredLength} bytes (-1 when it
   * declares none).
   */
  Reservation reservation(long declaredLength) {
    return new Reservation(declaredLength < 0 || declaredLength > SMALL_BODY);
  }

  synchronized long inUse() {
    return inUse;
  }

  long capacity() {
    return capacity;
  }

  /** The most one large body can hold. */
  long largestBody() {
    return largeCapacity;
  }
}
