package io.lnkv.vss.server;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per VSS request at INFO on the logger {@value #LOGGER}, written by a
 * thread of its own, so that no request waits for the log's output. A logger's output can stall (a
 * log collector that stops reading, a full pipe), and a request thread that logs waits with it;
 * with reads answered on Jetty's network thread, so would every connection that thread serves.
 *
 * <p>Lines wait in a queue of {@value #CAPACITY}; when the output does not keep up and the queue is
 * full, a line is dropped and counted ({@code vss_access_log_dropped_total} on {@code /metrics}),
 * and once the output takes lines again a WARN line says how many were dropped. The line is built
 * from its fields where it is written: a request pays for a small record and a lock-free enqueue,
 * and wakes no thread (the writer looks for lines every {@value #PAUSE_MILLIS} ms when it finds
 * none, so a line may wait that long; a wake-up per request would cost the hand-off between threads
 * that answering reads on the network thread saves). The writer's thread is named like the server's
 * ({@code lnkv-vss-server-access-log}), so that {@code lnkv bench}'s server CPU counts it.
 * Thread-safe.
 */
final class AccessLog implements AutoCloseable {
  static final String LOGGER = "io.lnkv.vss.server.requests";
  static final int CAPACITY = 8192;
  static final int PAUSE_MILLIS = 20;
  private static final Logger access = LoggerFactory.getLogger(LOGGER);

  private record Line(
      String address, String endpoint, String user, String store, int items, int status, long us) {}

  private final ServerMetrics metrics;
  private final Queue<Line> lines = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger(); // lines in the queue, at most CAPACITY
  private final AtomicLong dropped = new AtomicLong(); // since the last notice
  private final Thread writer; // null when INFO is off for the logger
  private volatile boolean closed;

  AccessLog(ServerMetrics metrics) {
    this.metrics = metrics;
    if (access.isInfoEnabled()) {
      writer = new Thread(this::write, "lnkv-vss-server-access-log");
      writer.setDaemon(true); // a stalled output must not keep the JVM from exiting
      writer.start();
    } else {
      writer = null;
    }
  }

  /** Logs a request's line, or drops and counts it if the queue is full; never waits. */
  void record(
      String address,
      String endpoint,
      String user,
      String store,
      int items,
      int status,
      long micros) {
    if (writer == null) {
      return;
    }
    if (queued.incrementAndGet() > CAPACITY) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      metrics.accessLineDropped();
      return;
    }
    lines.add(new Line(address, endpoint, user, store, items, status, micros));
  }

  private void write() {
    while (true) {
      Line l = lines.poll();
      noticeDropped(); // before the next line, or as soon as the queue is empty
      if (l == null) {
        if (closed) {
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS));
        if (Thread.interrupted()) {
          return; // closing gave up waiting for the output
        }
        continue;
      }
      queued.decrementAndGet();
      access.info(
          "{} {} user={} store={} items={} status={} {}us",
          l.address,
          l.endpoint,
          LogText.printable(l.user),
          LogText.printable(l.store),
          l.items,
          l.status,
          l.us);
    }
  }

  private void noticeDropped() {
    long lost = dropped.getAndSet(0);
    if (lost > 0) {
      access.warn(
          "{} access lines dropped: the log's output did not keep up (a full pipe or a stalled"
              + " log collector)",
          lost);
    }
  }

  /**
   * Writes the lines still queued, waiting up to {@code waitMillis} for the output; lines it cannot
   * write by then are left (the writer is a daemon thread).
   */
  void close(long waitMillis) {
    closed = true;
    if (writer == null) {
      return;
    }
    LockSupport.unpark(writer);
    try {
      writer.join(waitMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      writer.interrupt();
    }
  }

  @Override
  public void close() {
    close(2_000);
  }
}
