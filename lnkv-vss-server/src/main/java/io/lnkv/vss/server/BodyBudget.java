package io.lnkv.vss.server;

/**
 * The request-body bytes the server holds at once, bounded: a request reserves its body's length
 * before reading it and gives it back when answered. When the budget is spent, a request is refused
 * at once (503 with Retry-After; it holds nothing while the client retries), so that many large
 * requests at once cannot exhaust the heap. Thread-safe.
 */
final class BodyBudget {
  private final long capacity;
  private long inUse; // guarded by this

  BodyBudget(long capacity) {
    this.capacity = capacity;
  }

  /**
   * Reserves {@code bytes} (at most the capacity) if they fit now.
   *
   * @return whether they were reserved; if so, {@link #release} them
   */
  synchronized boolean tryReserve(long bytes) {
    if (bytes > capacity) {
      throw new IllegalArgumentException(bytes + " bytes is more than the whole budget");
    }
    if (inUse + bytes > capacity) {
      return false;
    }
    inUse += bytes;
    return true;
  }

  synchronized void release(long bytes) {
    inUse -= bytes;
  }

  synchronized long inUse() {
    return inUse;
  }

  long capacity() {
    return capacity;
  }
}
