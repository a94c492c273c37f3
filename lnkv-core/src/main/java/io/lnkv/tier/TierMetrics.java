package io.lnkv.tier;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TierStore's counts, which {@link TierStore#backupStatus} reads, and the meters that publish
 * them where a Micrometer registry was given ({@link MicrometerTierMeters}; without one, nothing of
 * Micrometer is loaded, so lnkv-core needs it only when it is used). Thread-safe.
 */
final class TierMetrics implements AutoCloseable {
  /** What publishes the counts; closed with the store. */
  interface Meters extends AutoCloseable {
    /** Nothing published. */
    Meters NONE = new Meters() {};

    default void backupFailed() {}

    default void divergencesFound(long count) {}

    @Override
    default void close() {}
  }

  private final AtomicLong lastSuccessMillis = new AtomicLong();
  private final LongAdder failures = new LongAdder();
  private Meters meters = Meters.NONE; // set once, before the store is shared

  /** Publishes through {@code meters} from now on. */
  void publishTo(Meters meters) {
    this.meters = meters;
  }

  void backupSucceeded() {
    lastSuccessMillis.set(System.currentTimeMillis());
  }

  void backupFailed() {
    failures.increment();
    meters.backupFailed();
  }

  void divergencesFound(long count) {
    meters.divergencesFound(count);
  }

  /** Epoch millis of the last successful backup write, 0 before the first. */
  long lastSuccessMillis() {
    return lastSuccessMillis.get();
  }

  long failures() {
    return failures.sum();
  }

  @Override
  public void close() {
    meters.close();
  }
}
