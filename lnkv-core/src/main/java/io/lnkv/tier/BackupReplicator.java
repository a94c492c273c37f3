package io.lnkv.tier;

import io.lnkv.BackupFailureException;
import io.lnkv.BatchOp;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries durable operations to the backup tier as the {@link BackupMode} says, and runs the worker
 * that brings the keys in {@link PendingBackups} level with the primary, with exponential backoff.
 *
 * <p>Ordering: {@link #apply} runs under the TierStore's per-key lock (inside its ordering), and
 * the worker levels a key under the same lock ({@link KeyLocks}), copying the primary's value of
 * that moment. So a key's backup copy only ever moves to the primary's newest state: an operation
 * that a newer one superseded is never replayed, and none lands out of order.
 *
 * <p>Thread-safe.
 */
final class BackupReplicator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupReplicator.class);

  /** Runs work holding a key's lock in the TierStore's per-key order. */
  @FunctionalInterface
  interface KeyLocks {
    void runLocked(ScopedKey key, Runnable work);
  }

  /** The primary's side of an operation. */
  @FunctionalInterface
  interface PrimaryWork {
    void run();
  }

  private final String store;
  private final Tier primary;
  private final Tier backup;
  private final BackupMode mode;
  private final PendingBackups pending;
  // Keys whose last operation failed on the primary: what it shows of them may not be durable.
  private final Set<ScopedKey> primaryInDoubt = ConcurrentHashMap.newKeySet();
  // Of those, the keys the worker copied to the backup once since.
  private final Set<ScopedKey> levelledInDoubt = ConcurrentHashMap.newKeySet();
  private final TierMetrics metrics;
  private final KeyLocks locks;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final ExecutorService parallel;
  private final Semaphore wakeUps = new Semaphore(0);
  private final Thread worker;
  private volatile boolean closed;

  BackupReplicator(
      String store,
      Tier primary,
      Tier backup,
      BackupMode mode,
      PendingBackups pending,
      TierMetrics metrics,
      KeyLocks locks,
      Duration initialBackoff,
      Duration maxBackoff) {
    this.store = store;
    this.primary = primary;
    this.backup = backup;
    this.mode = mode;
    this.pending = pending;
    this.metrics = metrics;
    this.locks = locks;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.parallel =
        Executors.newCachedThreadPool(io.lnkv.internal.DaemonThreads.named("lnkv-backup-write"));
    if (mode == BackupMode.SYNC) {
      this.worker = null;
    } else {
      this.worker = new Thread(this::work, "lnkv-backup-worker");
      worker.setDaemon(true);
      worker.start();
    }
  }

  /**
   * Applies durable operations to the primary ({@code primaryWork}) and to the backup as the mode
   * says. Called holding the keys' locks. {@code ops} holds one entry per key, in order (a null
   * value is a remove); with {@code batch}, the backup receives them as one atomic batch.
   *
   * @throws StoreException if the primary failed, or (SEMI_SYNC) the retry journal could not record
   *     the keys, in which case no tier was touched
   * @throws BackupFailureException (SYNC) if the primary succeeded and the backup failed
   */
  void apply(Map<ScopedKey, byte[]> ops, boolean lazy, boolean batch, PrimaryWork primaryWork) {
    if (mode != BackupMode.SYNC) {
      try {
        pending.mark(ops.keySet()); // SEMI_SYNC: durable before any tier changes
      } catch (IOException e) {
        throw new StoreException(
            "Failed to record "
                + describe(ops)
                + " in the retry journal of "
                + store
                + " ("
                + e
                + "); no tier was written. Check the journal's disk, then retry",
            e,
            false);
      }
    }
    if (mode == BackupMode.ASYNC) {
      try {
        primaryWork.run();
        provenOnPrimary(ops.keySet());
      } catch (RuntimeException e) {
        primaryInDoubt.addAll(ops.keySet());
        throw e;
      } finally {
        wakeUps.release(); // even after a failure: the worker levels the keys to what is there
      }
      return;
    }
    Future<?> backupSide = parallel.submit(() -> writeBackup(ops, lazy, batch));
    RuntimeException primaryFailure = null;
    try {
      primaryWork.run();
      provenOnPrimary(ops.keySet());
    } catch (RuntimeException e) {
      primaryFailure = e;
      primaryInDoubt.addAll(ops.keySet());
    }
    Exception backupFailure = join(backupSide);
    if (backupFailure == null) {
      metrics.backupSucceeded();
      if (mode == BackupMode.SEMI_SYNC && primaryFailure == null) {
        clear(ops);
      }
    } else {
      metrics.backupFailed();
    }
    if (mode == BackupMode.SEMI_SYNC && (backupFailure != null || primaryFailure != null)) {
      wakeUps.release();
    }
    if (primaryFailure != null) {
      throw new StoreException(
          "The primary tier failed to apply "
              + describe(ops)
              + " in "
              + store
              + ": "
              + primaryFailure.getMessage()
              + ". "
              + (backupFailure != null
                  ? "The backup failed too (" + backupFailure + ")"
                  : "The backup took it and holds a newer value than the primary")
              + (mode == BackupMode.SEMI_SYNC
                  ? "; the retry journal brings the backup back to the primary's state"
                  : "; the tiers may differ until the operation is retried or resilver() runs"),
          primaryFailure);
    }
    if (backupFailure != null) {
      if (mode == BackupMode.SEMI_SYNC) {
        log.warn(
            "{}: the backup {} failed ({}); {} keys wait in the retry journal",
            store,
            backup,
            backupFailure.toString(),
            pending.size());
        return;
      }
      throw new BackupFailureException(
          "The primary tier applied "
              + describe(ops)
              + " in "
              + store
              + " but the backup tier "
              + backup
              + " failed: "
              + backupFailure
              + ". The tiers now differ; retry the operation, or run resilver() once the backup"
              + " is reachable",
          backupFailure);
    }
  }

  /** The primary applied these keys' operations durably: what it shows of them is on its disk. */
  private void provenOnPrimary(Set<ScopedKey> keys) {
    if (!primaryInDoubt.isEmpty()) {
      primaryInDoubt.removeAll(keys);
      levelledInDoubt.removeAll(keys);
    }
  }

  private void writeBackup(Map<ScopedKey, byte[]> ops, boolean lazy, boolean batch) {
    if (batch) {
      List<BatchOp> list = new ArrayList<>(ops.size());
      ops.forEach((k, v) -> list.add(v == null ? new BatchOp.Remove(k) : new BatchOp.Write(k, v)));
      backup.store().writeBatch(list);
    } else {
      ops.forEach((k, v) -> backup.put(k, v, lazy));
    }
  }

  private void clear(Map<ScopedKey, byte[]> ops) {
    try {
      pending.clear(ops.keySet());
    } catch (IOException e) {
      // the keys stay marked: the worker levels them again, which is harmless
      log.debug("{}: could not clear keys from the retry journal: {}", store, e.toString());
      wakeUps.release();
    }
  }

  private static Exception join(Future<?> f) {
    try {
      f.get();
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    } catch (ExecutionException e) {
      return e.getCause() instanceof Exception c ? c : new RuntimeException(e.getCause());
    }
  }

  private static String describe(Map<ScopedKey, byte[]> ops) {
    if (ops.size() == 1) {
      Map.Entry<ScopedKey, byte[]> e = ops.entrySet().iterator().next();
      return (e.getValue() == null ? "a remove of " : "a write of ") + e.getKey();
    }
    return "a batch of " + ops.size() + " operations";
  }

  // ---- levelling ----------------------------------------------------------------------------

  /**
   * Copies the primary's current value of {@code key} to the backup (or removes it there), under
   * the key's lock, and clears the key from the pending set.
   *
   * @param onlyIfDifferent read the backup first and skip equal values (for resilver)
   * @return whether the backup was changed
   */
  boolean level(ScopedKey key, boolean onlyIfDifferent) {
    boolean[] changed = new boolean[1];
    locks.runLocked(
        key,
        () -> {
          byte[] value = primary.readOrNull(key);
          if (!onlyIfDifferent || !java.util.Arrays.equals(value, backup.readOrNull(key))) {
            backup.put(key, value, false);
            changed[0] = true;
          }
          metrics.backupSucceeded();
          if (primaryInDoubt.contains(key)) {
            // What the primary shows of the key may not be durable (its write failed, perhaps in
            // an fsync that dropped it): the key stays marked, so that the next open levels it to
            // what survived, unless a later operation on it succeeds first.
            levelledInDoubt.add(key);
            return;
          }
          try {
            pending.clear(List.of(key));
          } catch (IOException e) {
            throw new StoreException("Failed to clear " + key + " from the retry journal: " + e, e);
          }
        });
    return changed[0];
  }

  private void work() {
    Backoff backoff = new Backoff(initialBackoff, maxBackoff);
    boolean failing = false;
    while (!closed) {
      wakeUps.drainPermits();
      Exception failure = null;
      int levelled = 0;
      for (ScopedKey key : pending.snapshot()) {
        if (closed) {
          return;
        }
        if (levelledInDoubt.contains(key) && primaryInDoubt.contains(key)) {
          continue; // copied once already; stays marked until the primary proves it
        }
        levelled++;
        try {
          level(key, false);
        } catch (RuntimeException e) {
          failure = e;
          break; // the backup is likely down: back off before trying the rest
        }
      }
      try {
        if (failure != null) {
          metrics.backupFailed();
          if (!failing) {
            log.warn(
                "{}: cannot bring the backup {} level ({}); {} keys pending, retrying with backoff",
                store,
                backup,
                failure.toString(),
                pending.size());
          }
          failing = true;
          wakeUps.tryAcquire(backoff.nextMillis(), TimeUnit.MILLISECONDS); // close() wakes it
        } else {
          if (failing) {
            log.info("{}: the backup {} is level again", store, backup);
          }
          failing = false;
          backoff.reset();
          if (levelled == 0) {
            wakeUps.tryAcquire(1, TimeUnit.SECONDS);
          }
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Waits until the backup is level with what the primary shows: nothing pending but keys whose
   * primary operation failed and which the worker copied since (they stay marked, so that the next
   * open levels them to what the primary holds durably, unless a later operation on them succeeds
   * first); false if {@code timeout} passed first. Wakes the worker once, so that a key just
   * recorded is not left to the next backoff, and then only watches: waking it on every poll would
   * defeat its backoff against a backup that is down.
   */
  boolean awaitLevel(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (pending.size() > 0) {
      wakeUps.release();
    }
    while (!levelWithWhatThePrimaryShows()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private boolean levelWithWhatThePrimaryShows() {
    if (pending.size() == 0) {
      return true;
    }
    return !levelledInDoubt.isEmpty() && levelledInDoubt.containsAll(pending.snapshot());
  }

  /**
   * Stops the worker (after the key it is levelling) and closes the retry journal. In ASYNC mode,
   * keys still pending are lost to the backup; they are counted in the log.
   */
  @Override
  public void close() throws IOException {
    closed = true;
    wakeUps.release();
    if (worker != null) {
      try {
        worker.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    parallel.shutdown();
    int left = pending.size();
    if (left > 0) {
      if (pending.durable()) {
        log.info("{}: {} keys stay in the retry journal for the next open", store, left);
      } else {
        log.warn(
            "{}: closed with {} keys not yet level in the backup; run resilver() after the next"
                + " open",
            store,
            left);
      }
    }
    pending.close();
  }
}
