package io.lnkv.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Per-key call ordering for writes and removes (LDK's rule, reference §1.5): a version is taken
 * when the call is made, and when the operation runs after a newer one on the same key already took
 * effect, it is skipped.
 *
 * <p>Use: {@link #enter} at call time, before handing the work to another thread; then exactly one
 * of {@link Ticket#apply} or {@link Ticket#abandon} on the returned ticket. {@code apply} runs the
 * operation under the key's lock, so operations on one key never overlap.
 *
 * <p>Memory: a key has state here only while a ticket for it is outstanding. The last ticket to
 * finish removes the key's slot; the next caller starts a fresh slot, which is safe because its
 * version is higher than every version ever applied.
 *
 * <p>Thread-safe.
 */
public final class WriteOrdering {
  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
  // Only ever read and incremented inside slots.compute, so a version and the slot registration
  // that protects it happen atomically for a key: no operation can apply and drop the slot
  // between taking a version and registering it.
  private final AtomicLong nextVersion = new AtomicLong(1);
  private final Object batchEntry = new Object();

  /** An ordering with no key in flight; a store holds one for its lifetime. */
  public WriteOrdering() {}

  /** How a failed operation is recorded. */
  public enum OnFailure {
    /** A failed operation leaves the key's last applied version unchanged (a single store). */
    KEEP_LAST_VERSION,
    /**
     * A failed operation still counts as applied, so that no older operation runs after it. For
     * stores made of several stores, one of which may have changed before another failed.
     */
    RECORD_VERSION
  }

  /** The operation a ticket runs. */
  @FunctionalInterface
  public interface Operation {
    void run();
  }

  /**
   * Takes the next version for {@code lockKey}. The call order of {@code enter} defines the order
   * of the operations on one key.
   *
   * @param lockKey identifies the key; equal strings are the same key
   */
  public Ticket enter(String lockKey) {
    long[] version = new long[1];
    Slot slot =
        slots.compute(
            lockKey,
            (k, existing) -> {
              Slot s = existing == null ? new Slot() : existing;
              s.holders++;
              version[0] = nextVersion.getAndIncrement();
              return s;
            });
    if (version[0] == Long.MAX_VALUE) {
      throw new IllegalStateException("write version counter exhausted");
    }
    return new Ticket(lockKey, slot, version[0]);
  }

  /**
   * Takes versions for several keys at once, for a batch: atomically with respect to other batches,
   * so of two batches sharing keys, one is newer on every shared key. The keys are de-duplicated;
   * the tickets are ordered by key, which is the order {@link #applyAll} locks them in.
   */
  public List<Ticket> enterAll(Collection<String> lockKeys) {
    List<Ticket> tickets = new ArrayList<>();
    // One batch at a time takes its versions, so two batches sharing keys are ordered as wholes:
    // taken key by key, they could interleave (a newer here, older there) and their results mix.
    synchronized (batchEntry) {
      for (String key : new TreeSet<>(lockKeys)) {
        tickets.add(enter(key));
      }
    }
    return tickets;
  }

  /**
   * Runs {@code operation} holding the locks of all {@code tickets}, passing it the tickets that
   * are not stale; if none is current, the operation does not run. On success (or on failure with
   * {@link OnFailure#RECORD_VERSION}) every current ticket's version is recorded. Every ticket is
   * finished afterwards.
   */
  public void applyAll(
      List<Ticket> tickets, OnFailure onFailure, Consumer<List<Ticket>> operation) {
    List<Ticket> locked = new ArrayList<>();
    try {
      for (Ticket t : tickets) {
        t.slot.lock.lock();
        locked.add(t);
      }
      List<Ticket> current = new ArrayList<>();
      for (Ticket t : tickets) {
        if (t.version > t.slot.lastApplied) {
          current.add(t);
        }
      }
      if (current.isEmpty()) {
        return;
      }
      boolean ok = false;
      try {
        operation.accept(current);
        ok = true;
      } finally {
        if (ok || onFailure == OnFailure.RECORD_VERSION) {
          for (Ticket t : current) {
            t.slot.lastApplied = t.version;
          }
        }
      }
    } finally {
      for (Ticket t : locked) {
        t.slot.lock.unlock();
      }
      for (Ticket t : tickets) {
        t.finish();
      }
    }
  }

  /**
   * Runs {@code operation} holding the key's lock, without taking a place in its order: for
   * maintenance that copies a key's current state elsewhere (a backfill, a resilver). It neither
   * makes pending operations stale nor is skipped; it only never overlaps one.
   */
  public void runLocked(String lockKey, Operation operation) {
    Slot slot =
        slots.compute(
            lockKey,
            (k, existing) -> {
              Slot s = existing == null ? new Slot() : existing;
              s.holders++;
              return s;
            });
    try {
      slot.lock.lock();
      try {
        operation.run();
      } finally {
        slot.lock.unlock();
      }
    } finally {
      release(lockKey);
    }
  }

  /** The number of keys with outstanding tickets; for tests and metrics. */
  public int trackedKeys() {
    return slots.size();
  }

  private void release(String lockKey) {
    slots.computeIfPresent(lockKey, (k, s) -> --s.holders == 0 ? null : s);
  }

  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    long lastApplied; // guarded by lock
    int holders; // guarded by the map's compute
  }

  /** One call's place in a key's order. Finish it exactly once, by apply or abandon. */
  public final class Ticket {
    private final String lockKey;
    private final Slot slot;
    private final long version;
    private final AtomicBoolean finished = new AtomicBoolean();

    private Ticket(String lockKey, Slot slot, long version) {
      this.lockKey = lockKey;
      this.slot = slot;
      this.version = version;
    }

    /** The key this ticket orders. */
    public String lockKey() {
      return lockKey;
    }

    /** The version taken at call time. */
    public long version() {
      return version;
    }

    /**
     * Runs the operation under the key's lock unless a newer operation on the key was already
     * applied, and finishes the ticket.
     *
     * @return true if the operation ran (successfully), false if it was skipped as stale
     * @throws RuntimeException whatever the operation threw
     */
    public boolean apply(OnFailure onFailure, Operation operation) {
      boolean[] ran = new boolean[1];
      applyAll(
          List.of(this),
          onFailure,
          current -> {
            operation.run();
            ran[0] = true;
          });
      return ran[0];
    }

    /** Gives up this ticket without running anything (the operation will never run). */
    public void abandon() {
      finish();
    }

    private void finish() {
      if (finished.compareAndSet(false, true)) {
        release(lockKey);
      }
    }
  }
}
