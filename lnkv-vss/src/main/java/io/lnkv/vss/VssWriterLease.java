package io.lnkv.vss;

import io.lnkv.ConflictException;
import io.lnkv.StoreLockedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * lnkv's single-writer lease on a VSS store: an encrypted record at a reserved root key, holding
 * who writes (a random id, pid, host, since when) and until when. Taken and renewed with
 * compare-and-set on the key's VSS version, so two clients can never both think they hold it; a
 * second {@link VssStore} on the same store is refused while the lease is live. Renewed every third
 * of its duration; a renewal that finds the lease taken, or cannot reach the server before it
 * expires, marks it lost and the store refuses writes from then on (fail-stop). A lease whose
 * holder ran on this host and whose process is gone is taken over at once, so a crashed writer does
 * not block a restart for the lease's duration.
 *
 * <p>The lease only binds lnkv clients; ldk-node does not look at it. Between a lease's loss and
 * its holder noticing (up to a third of the duration) the old holder may still write; {@code
 * global_version} fencing ({@link VssStore.Builder#globalVersionFencing}) closes that gap.
 */
final class VssWriterLease implements AutoCloseable {
  /** The reserved root key the lease lives at (hidden from listings). */
  static final String KEY = "lnkv_writer_lease";

  private static final Logger log = LoggerFactory.getLogger(VssWriterLease.class);

  /** Reads and compare-and-sets the lease record; implemented by the store. */
  interface Record {
    /** The record's value and VSS version, or empty. */
    Optional<Versioned> read();

    /** Writes if the stored version is still {@code version} (0: absent); returns the new one. */
    long write(byte[] value, long version);

    /** Deletes if the stored version is still {@code version}. */
    void delete(long version);
  }

  record Versioned(byte[] value, long version) {}

  private final Record record;
  private final Duration duration;
  private final String where;
  private final String id = UUID.randomUUID().toString();
  private final long pid = ProcessHandle.current().pid();
  private final String host = io.lnkv.internal.ThisProcess.hostName();
  private final Instant since = Instant.now();
  private final ScheduledExecutorService renewer;
  private long version;
  private volatile long expiresAtMillis;
  private volatile String lost;

  private VssWriterLease(Record record, Duration duration, String where, long version) {
    this.record = record;
    this.duration = duration;
    this.where = where;
    this.version = version;
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            io.lnkv.internal.DaemonThreads.named("lnkv-vss-lease"));
  }

  /**
   * Takes the lease.
   *
   * @throws StoreLockedException if a live lease is held by another client
   */
  static VssWriterLease acquire(Record record, Duration duration, String where) {
    VssWriterLease lease = new VssWriterLease(record, duration, where, 0);
    lease.take();
    long period = Math.max(1, duration.toMillis() / 3);
    lease.renewer.scheduleWithFixedDelay(lease::renew, period, period, TimeUnit.MILLISECONDS);
    return lease;
  }

  private void take() {
    for (int attempt = 0; ; attempt++) {
      Optional<Versioned> current = record.read();
      long expected = 0;
      if (current.isPresent()) {
        Map<String, String> holder = parse(current.get().value());
        expected = current.get().version();
        long expires = number(holder.get("expires"));
        boolean deadHere =
            host.equals(holder.get("host"))
                && ProcessHandle.of(number(holder.get("pid"))).map(p -> !p.isAlive()).orElse(true);
        if (expires > System.currentTimeMillis() && !deadHere) {
          throw new StoreLockedException(
              where
                  + " is in use by another lnkv writer: pid "
                  + holder.get("pid")
                  + " on host "
                  + holder.get("host")
                  + " since "
                  + holder.get("since")
                  + " (lease expires at "
                  + Instant.ofEpochMilli(expires)
                  + " unless renewed). Stop that process, or wait for its lease to expire");
        }
        log.info(
            "{}: taking over the writer lease of pid {} on {}",
            where,
            holder.get("pid"),
            holder.get("host"));
      }
      try {
        long deadline = System.currentTimeMillis() + duration.toMillis();
        version = record.write(value(deadline), expected);
        expiresAtMillis = deadline;
        return;
      } catch (ConflictException e) {
        if (attempt >= 2) {
          throw new StoreLockedException(
              where + ": another client keeps taking the writer lease; try again later", e);
        }
      }
    }
  }

  private synchronized void renew() {
    if (lost != null) {
      return;
    }
    try {
      long deadline = System.currentTimeMillis() + duration.toMillis();
      version = record.write(value(deadline), version);
      expiresAtMillis = deadline;
    } catch (ConflictException e) {
      lose("another client took the writer lease");
    } catch (RuntimeException e) {
      if (System.currentTimeMillis() >= expiresAtMillis) {
        lose(
            "the writer lease expired while the server could not be reached ("
                + e.getMessage()
                + ")");
      } else {
        log.warn("{}: renewing the writer lease failed, will retry: {}", where, e.toString());
      }
    }
  }

  private void lose(String why) {
    lost = why;
    log.error("{}: {}; this store now refuses writes, reopen it", where, why);
  }

  /**
   * @throws StoreLockedException if the lease is lost or expired
   */
  void check() {
    String why = lost;
    if (why == null && System.currentTimeMillis() >= expiresAtMillis) {
      why = "the writer lease expired (renewals failing)";
    }
    if (why != null) {
      throw new StoreLockedException(where + ": " + why + "; writes are refused, reopen the store");
    }
  }

  /** Whether the lease has run out (renewals failed for its whole duration). */
  boolean expired() {
    return System.currentTimeMillis() >= expiresAtMillis;
  }

  /**
   * Before each attempt of a write: refuses when the lease is lost or expired, or when it expires
   * sooner than an attempt sent now may take ({@code attemptTime}, the request timeout). Renewals
   * are then failing, and a write sent now could land after another client took the store over.
   *
   * @throws StoreLockedException if the write must not be sent
   */
  void checkBeforeAttempt(Duration attemptTime) {
    check();
    long left = expiresAtMillis - System.currentTimeMillis();
    if (left < attemptTime.toMillis()) {
      throw new StoreLockedException(
          where
              + ": the writer lease expires in "
              + left
              + " ms, sooner than a request may take ("
              + attemptTime.toMillis()
              + " ms), and renewing it is failing; the write was not sent. Writes resume once"
              + " the lease is renewed");
    }
  }

  @Override
  public synchronized void close() {
    renewer.shutdownNow();
    if (lost == null) {
      try {
        record.delete(version);
      } catch (RuntimeException e) {
        log.warn(
            "{}: could not release the writer lease (it expires by itself): {}",
            where,
            e.toString());
      }
    }
  }

  private byte[] value(long expiresAt) {
    String text =
        "id="
            + id
            + "\npid="
            + pid
            + "\nhost="
            + host
            + "\nsince="
            + since
            + "\nexpires="
            + expiresAt
            + "\n";
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, String> parse(byte[] value) {
    Map<String, String> fields = new HashMap<>();
    for (String line : new String(value, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        fields.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return fields;
  }

  /** A field's number; 0 (expired, no such process) for a damaged record. */
  private static long number(String field) {
    try {
      return field == null ? 0 : Long.parseLong(field);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
