package io.lnkv.vss.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What {@code GET /metrics} shows, in Prometheus' text format: requests by endpoint and status with
 * latency histograms, body bytes in and out, items per put, storage errors, body bytes in flight,
 * refusals by reason, and access-log lines dropped. No label carries a user, a store or a key
 * (their number is unbounded, and they are the users' business). Thread-safe.
 */
final class ServerMetrics {
  /** Why a request was refused before the storage saw it. */
  enum Refusal {
    AUTHENTICATION,
    TOO_LARGE,
    BUSY,
    BODY_NOT_RECEIVED,
    RATE_LIMITED,
    QUOTA,
    /** A connection closed: over the cap of connections from one address. */
    CONNECTIONS_PER_ADDRESS,
    /** A connection closed: its request's line and headers did not arrive in time. */
    HEADERS_TOO_SLOW,
    /** An Error (out of memory, say) while a body was read or handled: answered 503. */
    SERVER_ERROR
  }

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  // Meters are looked up once, not per request: a registry lookup builds an id and hashes its
  // tags, which cost 5% of the server's time per request in a profile of small reads.
  private final Map<String, EndpointMeters> endpoints = new HashMap<>(); // read-only after start
  private final EndpointMeters other;
  private final DistributionSummary putItems;
  private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
  private final Counter accessLinesDropped;

  /** The meters of one endpoint; its timers by status, made on first use (a handful). */
  private final class EndpointMeters {
    final String endpoint;
    final DistributionSummary requestBodies;
    final DistributionSummary responseBodies;
    final Counter storageErrors;
    final Map<Integer, Timer> byStatus = new ConcurrentHashMap<>();

    EndpointMeters(String endpoint) {
      this.endpoint = endpoint;
      requestBodies =
          DistributionSummary.builder("vss.request.body")
              .description("Request body sizes")
              .baseUnit("bytes")
              .tag("endpoint", endpoint)
              .register(registry);
      responseBodies =
          DistributionSummary.builder("vss.response.body")
              .description("Response body sizes")
              .baseUnit("bytes")
              .tag("endpoint", endpoint)
              .register(registry);
      storageErrors =
          Counter.builder("vss.storage.errors")
              .description("Requests the storage failed (answered 500)")
              .tag("endpoint", endpoint)
              .register(registry);
    }

    Timer timer(int status) {
      return byStatus.computeIfAbsent(
          status,
          s ->
              Timer.builder("vss.requests")
                  .description("VSS requests by endpoint and status, with their latency")
                  .tags("endpoint", endpoint, "status", Integer.toString(s))
                  .publishPercentileHistogram()
                  .register(registry));
    }
  }

  ServerMetrics(BodyBudget budget) {
    Gauge.builder("vss.body.bytes.in.flight", budget, BodyBudget::inUse)
        .description("Request-body bytes held by requests being handled, counted in the budget")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("vss.body.bytes.budget", budget, BodyBudget::capacity)
        .description("The budget of request-body bytes in flight")
        .baseUnit("bytes")
        .register(registry);
    for (String endpoint : VssProtocol.ENDPOINTS) {
      endpoints.put(endpoint, new EndpointMeters(endpoint));
    }
    other = new EndpointMeters("other");
    putItems =
        DistributionSummary.builder("vss.put.items")
            .description("Items (puts and deletes) per applied putObjects")
            .register(registry);
    accessLinesDropped =
        Counter.builder("vss.access.log.dropped")
            .description("Access-log lines dropped because the log's output did not keep up")
            .register(registry);
    for (Refusal why : Refusal.values()) {
      refusals.put(
          why,
          Counter.builder("vss.refusals")
              .description("Requests refused before the storage saw them, by reason")
              .tag("reason", why.name().toLowerCase(java.util.Locale.ROOT))
              .register(registry));
    }
  }

  /** One VSS request answered: {@code endpoint} one of the four, or {@code other}. */
  void request(String endpoint, int status, long nanos, long bytesIn, long bytesOut, int items) {
    EndpointMeters meters = endpoints.getOrDefault(endpoint, other);
    meters.timer(status).record(nanos, TimeUnit.NANOSECONDS);
    meters.requestBodies.record(bytesIn);
    meters.responseBodies.record(bytesOut);
    if (endpoint.equals("putObjects") && status == 200) {
      putItems.record(items);
    }
    if (status == 500) {
      meters.storageErrors.increment();
    }
  }

  void refused(Refusal why) {
    refusals.get(why).increment();
  }

  /** An access-log line dropped: the queue to the log's output was full. */
  void accessLineDropped() {
    accessLinesDropped.increment();
  }

  /** The Prometheus text exposition. */
  String scrape() {
    return registry.scrape();
  }
}
