package io.lnkv.vss;

import io.lnkv.ConflictException;
import io.lnkv.StoreLockedException;
import io.lnkv.vss.wire.PutObjectRequest;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fencing by the store's {@code global_version}: opening bumps it, and every put carries the
 * version this client last set, so that once another client has bumped it, this one writes nothing
 * more (the server answers 409 to a stale version). Puts are serialized: each bumps the version the
 * next one must carry. Thread-safe.
 */
final class GlobalVersionFence {
  private final VssClient client;
  private final String storeId;
  private final String markerKey; // any key: its listing's first page carries global_version
  private final String store; // for messages
  private final ReentrantLock lock = new ReentrantLock();
  private long globalVersion; // guarded by lock
  private volatile String fenced;

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
      VssClient.WriteGuard guard) {
    this.client = client;
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
   * Sends a put carrying the global version, and bumps it on success (or when the put conflicted on
   * a retry and {@code guard} finds that an earlier attempt of it landed).
   *
   * @throws StoreLockedException once another client has taken the store over
   */
  void put(PutObjectRequest.Builder request, VssClient.WriteGuard guard) {
    lock.lock();
    try {
      if (fenced != null) {
        throw new StoreLockedException(fenced);
      }
      try {
        client.putObjects(request.setGlobalVersion(globalVersion).build(), guard);
        globalVersion++;
      } catch (ConflictException e) {
        long now = current();
        if (now != globalVersion) {
          fenced =
              store
                  + " was taken over by another client (global_version "
                  + now
                  + ", this client expected "
                  + globalVersion
                  + "); it writes nothing more, reopen it to take the store back";
          throw new StoreLockedException(fenced, e);
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  private long current() {
    return client.globalVersion(storeId, markerKey);
  }
}
