package io.lnkv.vss;

import io.lnkv.ConflictException;
import io.lnkv.StoreLockedException;
import io.lnkv.vss.wire.PutObjectRequest;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fencing by the store's {@code global_version}: opening bumps it, and every put carries the
 * version this client last set, so that once another client has bumped it, this one writes nothing
 * more (the server answers 409 to a stale version).
 *
 * <p>Each put bumps the version the next must carry, so puts go one request at a time; but they
 * need not go one caller at a time. While a request is in flight, the puts that arrive wait, and
 * then go together as the next request (one {@code PutObjectRequest}, the next {@code
 * global_version}), as a group commit does: one round trip for every writer waiting, however far
 * the server is. A group keeps call order per key (it ends before a key it already holds), stays
 * within the server's item limit and {@link #MAX_GROUP_BYTES}, and completes each caller with its
 * own outcome: when a group conflicts on an item rather than on the version, its puts are sent
 * again one by one, so that only the caller whose compare-and-set failed sees the conflict. A
 * request that may have landed is resolved by {@link VssClient#putObjects}'s read-back, for the
 * whole group. Thread-safe.
 */
final class GlobalVersionFence {
  private final VssClient client;
  private final String storeId;
  private final String markerKey; // any key: its listing's first page carries global_version
  private final String store; // for messages

  /** A group stops growing once its items pass this many bytes (a single larger put goes alone). */
  static final int MAX_GROUP_BYTES = 8 << 20;

  private final ReentrantLock lock = new ReentrantLock(); // held while a request is in flight
  private final int maxItems;
  private long globalVersion; // guarded by lock
  private volatile String fenced;
  private final java.util.ArrayDeque<Waiting> queue = new java.util.ArrayDeque<>(); // guarded by it
  private boolean sending; // guarded by queue: a group is in flight
  private int lastGroupSize; // guarded by queue
  private volatile long lastRequestNanos;
  private long groups; // guarded by lock: requests sent for puts (for tests)

  /** A put waiting for its group, and then its outcome. Fields guarded by {@code queue}. */
  private static final class Waiting {
    final PutObjectRequest.Builder request;
    final java.util.Set<String> keys = new java.util.HashSet<>();
    final int items;
    final long bytes;
    boolean queued;
    boolean done;
    RuntimeException failure;

    Waiting(PutObjectRequest.Builder request) {
      this.request = request;
      request.getTransactionItemsList().forEach(kv -> keys.add(kv.getKey()));
      request.getDeleteItemsList().forEach(kv -> keys.add(kv.getKey()));
      this.items = request.getTransactionItemsCount() + request.getDeleteItemsCount();
      long size = 0;
      for (var kv : request.getTransactionItemsList()) {
        size += kv.getSerializedSize() + 8;
      }
      this.bytes = size + request.getDeleteItemsCount() * 64L;
    }
  }

  /**
   * Takes the store over: reads its global_version and bumps it, fencing out earlier writers.
   *
   * @throws StoreLockedException if other clients keep bumping it
   */
  GlobalVersionFence(
      VssClient client,
      String storeId,
      String markerKey,
      String store,
      VssClient.WriteGuard guard,
      int maxItems) {
    this.client = client;
    this.maxItems = maxItems;
    this.storeId = storeId;
    this.markerKey = markerKey;
    this.store = store;
    lock.lock();
    try {
      for (int attempt = 1; ; attempt++) {
        globalVersion = current();
        try {
          client.putObjects(
              PutObjectRequest.newBuilder()
                  .setStoreId(storeId)
                  .setGlobalVersion(globalVersion)
                  .build(),
              guard);
          globalVersion++;
          return;
        } catch (ConflictException e) {
          // another client bumped it first, or this bump landed on an attempt whose response was
          // lost (an empty put cannot be told apart): either way, read it again and bump again
          if (attempt == 3) {
            throw new StoreLockedException(
                store + ": other clients keep taking the store over; try again later", e);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a put carrying the global version, alone or in a group with others waiting, and bumps the
   * version on success (or when the put conflicted on a retry and {@code guard} finds that an
   * earlier attempt of it landed). Returns once this put's own outcome is known.
   *
   * @throws StoreLockedException once another client has taken the store over
   * @throws ConflictException if this put's compare-and-set failed
   */
  void put(PutObjectRequest.Builder request, VssClient.WriteGuard guard) {
    Waiting me = new Waiting(request);
    boolean interrupted = false;
    try {
      while (true) {
        // One sender at a time sends the group at the head of the queue; the others wait for
        // their outcome, and the first to find no sender afterwards sends the next group (this
        // put's, perhaps, with every put that arrived while the last request was in flight).
        List<Waiting> group;
        synchronized (queue) {
          if (!me.queued) {
            queue.add(me);
            me.queued = true;
            queue.notifyAll(); // a sender lingering for the rest of a group
          }
          while (!me.done && sending) {
            try {
              queue.wait();
            } catch (InterruptedException e) {
              interrupted = true; // a put in a group in flight cannot be taken back
            }
          }
          if (me.done) {
            break;
          }
          sending = true;
          interrupted |= lingerForGroup();
          group = takeGroup();
          lastGroupSize = group.size();
        }
        lock.lock();
        long start = System.nanoTime();
        try {
          send(group, guard);
        } catch (RuntimeException | Error e) {
          // what send() did not complete fails with this, or its callers would wait for ever
          RuntimeException failure =
              e instanceof RuntimeException r
                  ? r
                  : new io.lnkv.StoreException(store + ": a put failed unexpectedly: " + e, e);
          for (Waiting w : group) {
            synchronized (queue) {
              if (!w.done) {
                w.failure = failure;
                w.done = true;
              }
            }
          }
          if (e instanceof Error) {
            throw e;
          }
        } finally {
          lastRequestNanos = System.nanoTime() - start;
          lock.unlock();
          synchronized (queue) {
            sending = false;
            queue.notifyAll();
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (me.failure != null) {
      throw me.failure;
    }
  }

  /**
   * Waits a moment (a twentieth of the last request's time, 2 ms at most) while fewer puts wait
   * than went in the last group: the callers that the last request completed are about to send
   * their next puts, and one request for all of them beats a request for the first and another for
   * the rest. Returns whether the wait was interrupted. Called holding {@code queue}.
   */
  private boolean lingerForGroup() {
    long linger = Math.min(2_000_000, lastRequestNanos / 20);
    long deadline = System.nanoTime() + linger;
    boolean interrupted = false;
    for (long left = linger; queue.size() < lastGroupSize && left > 0; ) {
      try {
        queue.wait(left / 1_000_000, (int) (left % 1_000_000));
      } catch (InterruptedException e) {
        interrupted = true;
      }
      left = deadline - System.nanoTime();
    }
    return interrupted;
  }

  /** The puts at the head of the queue that can go in one request, taken off it. */
  private List<Waiting> takeGroup() {
    List<Waiting> group = new java.util.ArrayList<>();
    java.util.Set<String> keys = new java.util.HashSet<>();
    int items = 0;
    long bytes = 0;
    for (Waiting w : queue) {
      boolean first = group.isEmpty();
      if (!first
          && (items + w.items > maxItems
              || bytes + w.bytes > MAX_GROUP_BYTES
              || !java.util.Collections.disjoint(keys, w.keys))) {
        break; // a key already in the group: the later put must follow the earlier one
      }
      group.add(w);
      keys.addAll(w.keys);
      items += w.items;
      bytes += w.bytes;
    }
    queue.removeAll(group);
    return group;
  }

  /** Sends a group (under the lock) and completes each of its puts. */
  private void send(List<Waiting> group, VssClient.WriteGuard guard) {
    if (group.size() == 1) {
      complete(group.get(0), attempt(group.get(0).request, guard));
      return;
    }
    PutObjectRequest.Builder merged = PutObjectRequest.newBuilder();
    merged.setStoreId(group.get(0).request.getStoreId());
    for (Waiting w : group) {
      merged.addAllTransactionItems(w.request.getTransactionItemsList());
      merged.addAllDeleteItems(w.request.getDeleteItemsList());
    }
    RuntimeException outcome = attempt(merged, guard);
    if (outcome instanceof ConflictException) {
      // an item's compare-and-set, not the version (attempt() fenced the store otherwise): each
      // put again alone, so that only its own caller sees its conflict
      for (Waiting w : group) {
        complete(w, attempt(w.request, guard));
      }
      return;
    }
    for (Waiting w : group) {
      complete(w, outcome);
    }
  }

  private void complete(Waiting w, RuntimeException failure) {
    synchronized (queue) {
      w.failure = failure;
      w.done = true;
    }
  }

  /** One request with the current version (under the lock): null on success, else the failure. */
  private RuntimeException attempt(PutObjectRequest.Builder request, VssClient.WriteGuard guard) {
    if (fenced != null) {
      return new StoreLockedException(fenced);
    }
    groups++;
    try {
      client.putObjects(request.setGlobalVersion(globalVersion).build(), guard);
      globalVersion++;
      return null;
    } catch (ConflictException e) {
      try {
        long now = current();
        if (now != globalVersion) {
          fenced =
              store
                  + " was taken over by another client (global_version "
                  + now
                  + ", this client expected "
                  + globalVersion
                  + "); it writes nothing more, reopen it to take the store back";
          return new StoreLockedException(fenced, e);
        }
      } catch (RuntimeException reading) {
        e.addSuppressed(reading);
      }
      return e;
    } catch (RuntimeException e) {
      return e;
    }
  }

  /** How many put requests were sent for puts (for tests: fewer than the puts when grouped). */
  long requestsSent() {
    lock.lock();
    try {
      return groups;
    } finally {
      lock.unlock();
    }
  }

  private long current() {
    return client.globalVersion(storeId, markerKey);
  }
}
