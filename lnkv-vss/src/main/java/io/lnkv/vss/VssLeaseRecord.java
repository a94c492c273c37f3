package io.lnkv.vss;

import io.lnkv.StoreLockedException;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.PutObjectRequest;
import java.util.Optional;

/**
 * Where a {@link VssStore}'s writer lease lives: an encrypted value at a reserved root key, written
 * compare-and-set. Its own {@link VssClient.WriteGuard}: a renewal or release stops retrying once
 * the lease has run out. Thread-safe.
 */
final class VssLeaseRecord implements VssWriterLease.Record, VssClient.WriteGuard {
  /** How the record's value is sealed and opened: the store's encryption, for its key. */
  interface Sealing {
    KeyValue seal(long version, byte[] value);

    byte[] open(KeyValue stored);
  }

  private final VssClient client;
  private final String storeId;
  private final String vssKey;
  private final Sealing sealing;
  private final String store; // for messages
  private volatile VssWriterLease lease; // null while the lease is being taken

  VssLeaseRecord(VssClient client, String storeId, String vssKey, Sealing sealing, String store) {
    this.client = client;
    this.storeId = storeId;
    this.vssKey = vssKey;
    this.sealing = sealing;
    this.store = store;
  }

  /** The lease this record holds, once taken: its expiry ends a renewal's retries. */
  void heldBy(VssWriterLease lease) {
    this.lease = lease;
  }

  @Override
  public Optional<VssWriterLease.Versioned> read() {
    return client
        .getObject(storeId, vssKey)
        .map(kv -> new VssWriterLease.Versioned(sealing.open(kv), kv.getVersion()));
  }

  @Override
  public long write(byte[] value, long version) {
    client.putObjects(
        PutObjectRequest.newBuilder()
            .setStoreId(storeId)
            .addTransactionItems(sealing.seal(version, value))
            .build(),
        this);
    return version + 1;
  }

  @Override
  public void delete(long version) {
    client.putObjects(
        PutObjectRequest.newBuilder()
            .setStoreId(storeId)
            .addDeleteItems(KeyValue.newBuilder().setKey(vssKey).setVersion(version))
            .build(),
        this);
  }

  /**
   * A renewal or release stops retrying once the lease has run out: the renewal could no longer
   * keep it (the lease is then lost), and an expired lease needs no release.
   */
  @Override
  public void beforeAttempt() {
    VssWriterLease held = lease;
    if (held != null && held.expired()) {
      throw new StoreLockedException(store + ": the writer lease ran out");
    }
  }

  @Override
  public boolean landed(PutObjectRequest request) {
    return client.holds(storeId, request);
  }
}
