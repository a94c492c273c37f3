package io.lnkv.vss;

import io.lnkv.vss.wire.KeyValue;

/**
 * How a {@link VssStore} opens, in this order:
 *
 * <ol>
 *   <li>the HTTP client, with ldk-node's retry policy;
 *   <li>the key schema, detected as ldk-node detects it ({@link SchemaDetection}), writing the V1
 *       marker into a new store unless read-only;
 *   <li>read-only, nothing more: a reader takes no lease and no global version, so that it cannot
 *       disturb the live writer;
 *   <li>the writer lease ({@link VssWriterLease}), unless turned off: before the global version, so
 *       that a refused second writer has not bumped it under the first;
 *   <li>the global version, when fencing ({@link GlobalVersionFence}); if that fails, the lease is
 *       given up again.
 * </ol>
 */
final class VssOpening {
  private VssOpening() {}

  static VssStore open(VssStore.Builder b, boolean readOnly) {
    VssClient client =
        new VssClient(
            new VssClient.Settings(
                b.baseUrl,
                b.headers,
                b.versionCheck,
                b.requestTimeout,
                b.maxAttempts,
                b.maxRetryTime,
                b.baseDelay,
                b.maxJitter),
            b.tls,
            b.http2 != null ? b.http2 : "https".equalsIgnoreCase(b.baseUrl.getScheme()));
    String where =
        "VSS store '" + b.storeId + "' at " + client.baseUrl() + (readOnly ? " (read-only)" : "");
    KeyObfuscator obfuscator = new KeyObfuscator(b.keys.obfuscationMasterKey());
    StorableCodec codec = new StorableCodec(b.keys.dataEncryptionKey());
    VssKeyLayout layout =
        new VssKeyLayout(
            obfuscator, SchemaDetection.detect(client, b.storeId, obfuscator, codec, readOnly));
    VssValues values = new VssValues(codec, layout, where);
    if (readOnly) {
      VssWriterGuard noWriter = new VssWriterGuard(client, b.storeId, null, b.requestTimeout);
      return new VssStore(b, where, client, layout, values, null, noWriter, null);
    }
    VssWriterLease lease =
        b.leaseDuration.isZero() ? null : lease(b, client, layout, values, where);
    VssWriterGuard guard = new VssWriterGuard(client, b.storeId, lease, b.requestTimeout);
    GlobalVersionFence fence = null;
    if (b.fencing) {
      try {
        fence =
            new GlobalVersionFence(
                client, b.storeId, layout.schemaVersionKey(), where, guard, b.maxBatchItems);
      } catch (RuntimeException e) {
        if (lease != null) {
          lease.close();
        }
        throw e;
      }
    }
    return new VssStore(b, where, client, layout, values, lease, guard, fence);
  }

  /** Takes the writer lease, kept encrypted at its reserved key as the store's values are. */
  private static VssWriterLease lease(
      VssStore.Builder b, VssClient client, VssKeyLayout layout, VssValues values, String where) {
    String leaseKey = layout.vssKey(VssStore.LEASE_KEY);
    VssLeaseRecord record =
        new VssLeaseRecord(
            client,
            b.storeId,
            leaseKey,
            new VssLeaseRecord.Sealing() {
              @Override
              public KeyValue seal(long version, byte[] value) {
                return values.seal(leaseKey, version, value);
              }

              @Override
              public byte[] open(KeyValue stored) {
                return values.open(VssStore.LEASE_KEY, leaseKey, stored);
              }
            },
            where);
    VssWriterLease lease = VssWriterLease.acquire(record, b.leaseDuration, where);
    record.heldBy(lease);
    return lease;
  }
}
