package io.lnkv.queue;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link QueuedStore}'s automatic commit by age: a thread of its own looks four times per maximum
 * age, and commits when the oldest queued operation has waited that long. Closing it lets a commit
 * in flight finish, never interrupting it (an interrupted commit would abandon a write to the
 * wrapped store halfway, and an interrupted FileChannel closes). Thread-safe.
 */
final class AgeCommitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueuedStore.class);

  private final ScheduledExecutorService thread;
  private final String store; // for messages

  /**
   * @param oldestAgeNanos how long the oldest queued operation has waited, 0 with none
   * @param commit the automatic commit, which logs its own failure
   */
  AgeCommitter(Duration maxAge, LongSupplier oldestAgeNanos, Runnable commit, String store) {
    this.store = store;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            io.lnkv.internal.DaemonThreads.named("lnkv-queue-autocommit"));
    long maxAgeNanos = maxAge.toNanos();
    long every = Math.max(1, maxAge.toMillis() / 4);
    thread.scheduleWithFixedDelay(
        () -> {
          if (oldestAgeNanos.getAsLong() >= maxAgeNanos) {
            commit.run();
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
  }

  /** Stops looking; waits for a commit in flight to end, whatever interrupts this thread gets. */
  @Override
  public void close() {
    thread.shutdown();
    boolean interrupted = false;
    try {
      while (!thread.isTerminated()) {
        try {
          if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("{}: closing waits for an automatic commit still running", store);
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
