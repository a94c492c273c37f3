package io.lnkv.vss;

import io.lnkv.vss.wire.PutObjectRequest;
import java.time.Duration;

/**
 * A {@link VssStore} writer's guard over every attempt of a write: no attempt is sent once the
 * lease is lost or about to lapse (a write must not land after another client took over), and a
 * conflict on a retry is checked against the store before it is reported (the first attempt may
 * have landed, its response lost). Thread-safe.
 */
final class VssWriterGuard implements VssClient.WriteGuard {
  private final VssClient client;
  private final String storeId;
  private final VssWriterLease lease; // null: no lease
  private final Duration requestTimeout;

  VssWriterGuard(VssClient client, String storeId, VssWriterLease lease, Duration requestTimeout) {
    this.client = client;
    this.storeId = storeId;
    this.lease = lease;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public void beforeAttempt() {
    if (lease != null) {
      lease.checkBeforeAttempt(requestTimeout);
    }
  }

  @Override
  public boolean landed(PutObjectRequest request) {
    return client.holds(storeId, request);
  }
}
