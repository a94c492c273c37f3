package io.lnkv.vss.server;

import java.util.HashMap;
import java.util.Map;

/**
 * The request bytes the server holds at once, bounded: every request in progress is counted from
 * its headers on, and its body from its first byte as it arrives (never from the length it
 * declares, which costs a client nothing to send); all is given back when the request is answered.
 * When the budget is spent, a request is refused at once (503 with Retry-After; it holds nothing
 * while the client retries), so that no number of requests, connections or HTTP/2 streams can
 * exhaust the heap.
 *
 * <p>Three shares keep one client from starving the others:
 *
 * <ul>
 *   <li><b>Headers</b>: a request in progress holds {@link #HEADER_ALLOWANCE} (the most its line
 *       and headers may take) until it is answered. This bounds what requests whose bodies have not
 *       come yet hold, whatever the product of connections and streams per connection: at most the
 *       budget divided by the allowance are in progress at once.
 *   <li><b>Large bodies</b>: bodies that declare more than {@link #SMALL_BODY} bytes, or no length
 *       at all, may use at most seven eighths of the budget, so the last eighth is always left for
 *       small requests, which every VSS read and most writes are.
 *   <li><b>Per client address</b> (an IPv6 client's /64: {@link ClientAddress}): the requests from
 *       one address hold at most {@code perAddress} bytes, so that one host holding requests open
 *       (slowly, within the minimum rate) cannot take the whole budget.
 * </ul>
 *
 * Thread-safe.
 */
final class BodyBudget {
  /** The largest body that may use the whole budget. */
  static final long SMALL_BODY = 64 * 1024;

  /**
   * What a request in progress holds for its line and headers: the most they may take (the engine's
   * request header limit, HTTP/1.1 and HTTP/2 alike).
   */
  static final int HEADER_ALLOWANCE = 16 * 1024;

  private final long capacity;
  private final long largeCapacity;
  private final long perAddress;
  private long inUse; // guarded by this
  private long largeInUse; // guarded by this
  private final Map<Object, long[]> byAddress = new HashMap<>(); // guarded by this; [0] = bytes

  /**
   * @param capacity the bytes all requests may hold together
   * @param perAddress the bytes the requests of one client address may hold together
   */
  BodyBudget(long capacity, long perAddress) {
    this.capacity = capacity;
    this.largeCapacity = capacity - capacity / 8;
    this.perAddress = Math.min(perAddress, capacity);
  }

  /**
   * What one request holds in the budget: its header allowance, then its body, grown as it arrives.
   * Not thread-safe: one request's reads are serial.
   */
  final class Reservation {
    private final boolean large;
    private final Object address; // null: not counted per address
    private long held; // the body's bytes
    private long headers; // 0 or HEADER_ALLOWANCE

    private Reservation(boolean large, Object address) {
      this.large = large;
      this.address = address;
    }

    /**
     * Takes the header allowance, counted as a small request's.
     *
     * @return whether it fit; if not, the request is to be refused (503) and holds nothing
     */
    boolean admit() {
      if (headers == 0 && take(HEADER_ALLOWANCE, false)) {
        headers = HEADER_ALLOWANCE;
      }
      return headers > 0;
    }

    /** The body bytes held. */
    long held() {
      return held;
    }

    /**
     * Makes the reservation cover {@code total} body bytes, doubling (up to {@code limit}) so that
     * a body arriving in many chunks reserves a few times, not once per chunk.
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
      if (!take(target - held, large)) {
        return false;
      }
      held = target;
      return true;
    }

    private boolean take(long add, boolean asLarge) {
      synchronized (BodyBudget.this) {
        long[] fromAddress = address == null ? null : byAddress.get(address);
        long addressUse = fromAddress == null ? 0 : fromAddress[0];
        if (inUse + add > capacity
            || (asLarge && largeInUse + add > largeCapacity)
            || (address != null && addressUse + add > perAddress)) {
          return false;
        }
        inUse += add;
        if (asLarge) {
          largeInUse += add;
        }
        if (address != null) {
          byAddress.computeIfAbsent(address, a -> new long[1])[0] += add;
        }
        return true;
      }
    }

    /** Gives everything back, the header allowance too; the reservation can grow again after. */
    void release() {
      synchronized (BodyBudget.this) {
        inUse -= held + headers;
        if (large) {
          largeInUse -= held;
        }
        if (address != null) {
          long[] fromAddress = byAddress.get(address);
          if (fromAddress != null && (fromAddress[0] -= held + headers) <= 0) {
            byAddress.remove(address);
          }
        }
      }
      held = 0;
      headers = 0;
    }
  }

  /**
   * A new, empty reservation for a request from {@code address} (null: not counted per address)
   * whose body declares {@code declaredLength} bytes (-1 when it declares none).
   */
  Reservation reservation(long declaredLength, Object address) {
    return new Reservation(declaredLength < 0 || declaredLength > SMALL_BODY, address);
  }

  synchronized long inUse() {
    return inUse;
  }

  /** The bytes held by the requests of {@code address}, for tests. */
  synchronized long inUseBy(Object address) {
    long[] fromAddress = byAddress.get(address);
    return fromAddress == null ? 0 : fromAddress[0];
  }

  long capacity() {
    return capacity;
  }

  /** The most one large body can hold. */
  long largestBody() {
    return largeCapacity;
  }
}
