package io.lnkv.tier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A TierStore's meters in a Micrometer registry, tagged {@code store=<name>}:
 *
 * <ul>
 *   <li>{@code lnkv.tier.backup.lag} (time gauge): how long the oldest operation not yet in the
 *       backup has waited; 0 when the backup is level;
 *   <li>{@code lnkv.tier.backup.pending} (gauge): operations not yet in the backup;
 *   <li>{@code lnkv.tier.retry.journal.depth} (gauge): of those, the ones in the durable retry
 *       journal ({@code SEMI_SYNC});
 *   <li>{@code lnkv.tier.backup.last.success} (gauge, epoch seconds): the last successful write to
 *       the backup; 0 before the first;
 *   <li>{@code lnkv.tier.backup.failures} (counter): failed writes to the backup;
 *   <li>{@code lnkv.tier.divergences} (counter): keys found to differ by {@code verify}.
 * </ul>
 *
 * The only class of lnkv-core that names Micrometer. Thread-safe; the meters are removed from the
 * registry when the store closes.
 */
final class MicrometerTierMeters implements TierMetrics.Meters {
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter failures;
  private final Counter divergences;

  private MicrometerTierMeters(
      MeterRegistry registry, String name, PendingBackups pending, TierMetrics counts) {
    this.registry = registry;
    Tags tags = Tags.of("store", name);
    meters.add(
        TimeGauge.builder(
                "lnkv.tier.backup.lag",
                pending,
                TimeUnit.MILLISECONDS,
                p -> {
                  long oldest = p.oldestMarkedAtMillis();
                  return oldest < 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
                })
            .tags(tags)
            .description("How long the oldest operation not yet in the backup has waited")
            .register(registry));
    meters.add(
        Gauge.builder("lnkv.tier.backup.pending", pending, PendingBackups::size)
            .tags(tags)
            .description("Operations not yet in the backup")
            .register(registry));
    meters.add(
        Gauge.builder("lnkv.tier.retry.journal.depth", pending, p -> p.durable() ? p.size() : 0)
            .tags(tags)
            .description("Operations in the durable retry journal")
            .register(registry));
    meters.add(
        Gauge.builder("lnkv.tier.backup.last.success", counts, c -> c.lastSuccessMillis() / 1000.0)
            .tags(tags)
            .baseUnit("seconds")
            .description("Epoch time of the last successful write to the backup")
            .register(registry));
    failures =
        Counter.builder("lnkv.tier.backup.failures")
            .tags(tags)
            .description("Failed writes to the backup")
            .register(registry);
    divergences =
        Counter.builder("lnkv.tier.divergences")
            .tags(tags)
            .description("Keys found to differ between primary and backup by verify")
            .register(registry);
    meters.add(failures);
    meters.add(divergences);
  }

  /**
   * Registers a store's meters in {@code registry} (a {@code MeterRegistry}; typed loosely so that
   * callers name no Micrometer type).
   */
  static TierMetrics.Meters register(
      Object registry, String name, PendingBackups pending, TierMetrics counts) {
    return new MicrometerTierMeters((MeterRegistry) registry, name, pending, counts);
  }

  @Override
  public void backupFailed() {
    failures.increment();
  }

  @Override
  public void divergencesFound(long count) {
    divergences.increment(count);
  }

  @Override
  public void close() {
    meters.forEach(registry::remove);
  }
}
