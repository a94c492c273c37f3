package io.lnkv.vss.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * What {@code GET /metrics} shows, in Prometheus' text format: requests by endpoint and status with
 * latency histograms, body bytes in and out, items per put, storage errors, body bytes in flight,
 * and refusals by reason. No label carries a user, a store or a key (their number is unbounded, and
 * they are the users' business). Thread-safe.
 */
final class ServerMetrics {
  /** Why a request was refused before the storage saw it. */
  enum Refusal {
    AUTHENTICATION,
    TOO_LARGE,
    BUSY,
    BODY_NOT_RECEIVED,
    RATE_LIMITED,
    QUOTA
  }

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  ServerMetrics(BodyBudget budget) {
    Gauge.builder("vss.body.bytes.in.flight", budget, BodyBudget::inUse)
        .description("Request-body bytes held by requests being handled, counted in the budget")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("vss.body.bytes.budget", budget, BodyBudget::capacity)
        .description("The budget of request-body bytes in flight")
        .baseUnit("bytes")
        .register(registry);
  }

  /** One VSS request answered: {@code endpoint} one of the four, or {@code other}. */
  void request(String endpoint, int status, long nanos, long bytesIn, long bytesOut, int items) {
    Timer.builder("vss.requests")
        .description("VSS requests by endpoint and status, with their latency")
        .tags("endpoint", endpoint, "status", Integer.toString(status))
        .publishPercentileHistogram()
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
    DistributionSummary.builder("vss.request.body")
        .description("Request body sizes")
        .baseUnit("bytes")
        .tag("endpoint", endpoint)
        .register(registry)
        .record(bytesIn);
    DistributionSummary.builder("vss.response.body")
        .description("Response body sizes")
        .baseUnit("bytes")
        .tag("endpoint", endpoint)
        .register(registry)
        .record(bytesOut);
    if (endpoint.equals("putObjects") && status == 200) {
      DistributionSummary.builder("vss.put.items")
          .description("Items (puts and deletes) per applied putObjects")
          .register(registry)
          .record(items);
    }
    if (status == 500) {
      Counter.builder("vss.storage.errors")
          .description("Requests the storage failed (answered 500)")
          .tag("endpoint", endpoint)
          .register(registry)
          .increment();
    }
  }

  void refused(Refusal why) {
    Counter.builder("vss.refusals")
        .description("Requests refused before the storage saw them, by reason")
        .tag("reason", why.name().toLowerCase(java.util.Locale.ROOT))
        .register(registry)
        .increment();
  }

  /** The Prometheus text exposition. */
  String scrape() {
    return registry.scrape();
  }
}
