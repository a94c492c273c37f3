package io.lnkv.vss;

import io.lnkv.BatchOp;
import io.lnkv.ConflictException;
import io.lnkv.CorruptedDataException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.InvalidKeyException;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.StoreLockedException;
import io.lnkv.spi.AbstractKVStore;
import io.lnkv.vss.wire.DeleteObjectRequest;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.PutObjectRequest;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * A store on a VSS server (LDK's Versioned Storage Service), laid out as ldk-node lays it out, so
 * that lnkv and ldk-node with the same seed read and write the same remote data: keys obfuscated,
 * values encrypted with ChaCha20-Poly1305 ({@code VssKeyLayout}, {@code StorableCodec}); the schema
 * ({@link VssKeySchema}: V1 for new stores, V0 kept for legacy ones) detected at open as ldk-node
 * detects it, writing the V1 marker into a new store. The server sees no plaintext key or value.
 *
 * <p>Writes:
 *
 * <ul>
 *   <li>{@link WriteMode#UNCONDITIONAL} (default, as ldk-node): last writer wins ({@code version
 *       -1}); removes are idempotent {@code DeleteObject}s.
 *   <li>{@link WriteMode#COMPARE_AND_SET}: the store tracks each key's VSS version (learnt from
 *       reads and writes) and sends it, so a write over a change made by another client fails with
 *       a {@link ConflictException} instead of overwriting it.
 *   <li>{@link Builder#globalVersionFencing} (on by default): every write also carries the store's
 *       {@code global_version}, taken over at open, so a client that another has since replaced can
 *       land nothing, not even a write sent before it knew. Writes are then serialized, one round
 *       trip each.
 * </ul>
 *
 * A conditional write (compare-and-set or fenced) whose response was lost conflicts when retried,
 * because it landed: the store then reads its keys back and reports it done when the stored bytes
 * are its own (values carry a random nonce, so they are never another client's).
 *
 * <p>Atomic batches go in one {@code PutObjectRequest} (all-or-nothing on the server), at most
 * {@link Builder#maxBatchItems} operations. Paginated listing passes the server's pages and tokens
 * through: newest-created first on servers that order by creation (lnkv serve, vss-server since May
 * 2026), key order on older ones. Whole listings follow tokens to the empty one and never send
 * {@code page_size 0}.
 *
 * <p>A second lnkv writer is refused by a writer lease kept in the store ({@link
 * Builder#writerLease}), checked before every attempt of a write: once it is lost, or has less time
 * left than a request may take, nothing more is sent ({@link io.lnkv.StoreLockedException}).
 * Requests are retried as ldk-node retries them; see {@link Builder#retries}. Thread-safe; the
 * asynchronous methods run on the store's I/O threads.
 *
 * <p>Long because (~570 lines) it is one backend's whole contract over VSS (reads, both write
 * modes, fencing, batches as one PutObjects) and carries its {@link Builder}, whose seventeen
 * documented options are a third of the file. What has a job of its own is elsewhere: opening
 * {@code VssOpening}, sealing values {@code VssValues}, schema detection {@code SchemaDetection},
 * the lease {@code VssWriterLease} with {@code VssLeaseRecord} and {@code VssWriterGuard}, fencing
 * {@code GlobalVersionFence}, listing {@code VssListing}, HTTP and retries {@code VssClient}.
 */
public final class VssStore extends AbstractKVStore {
  /** How writes are conditioned. */
  public enum WriteMode {
    /** {@code version -1}: last writer wins, as ldk-node writes. */
    UNCONDITIONAL,
    /** Tracked versions, compare-and-set: a change by another client is a conflict. */
    COMPARE_AND_SET
  }

  private static final ScopedKey SCHEMA_MARKER =
      ScopedKey.of("", "", VssKeyLayout.SCHEMA_VERSION_KEY);
  static final ScopedKey LEASE_KEY = ScopedKey.of("", "", VssWriterLease.KEY);

  private final VssClient client;

  private final String storeId;
  private final VssKeyLayout layout;
  private final VssValues values;
  private final WriteMode writeMode;
  private final int maxBatchItems;
  private final Map<String, Long> versions = new ConcurrentHashMap<>();
  private final VssListing listing;
  private final GlobalVersionFence fence; // null unless fencing
  private final VssWriterLease lease;
  // consulted before every attempt of a write, and on a conflict after a retry
  private final VssClient.WriteGuard writerGuard;

  /** A store {@link VssOpening} opened: its lease, guard and fence taken (none read-only). */
  VssStore(
      Builder b,
      String where,
      VssClient client,
      VssKeyLayout layout,
      VssValues values,
      VssWriterLease lease,
      VssWriterGuard writerGuard,
      GlobalVersionFence fence) {
    super(where, b);
    this.client = client;
    this.storeId = b.storeId;
    this.writeMode = b.writeMode;
    this.maxBatchItems = b.maxBatchItems;
    this.layout = layout;
    this.values = values;
    this.lease = lease;
    this.writerGuard = writerGuard;
    this.fence = fence;
    this.listing =
        new VssListing(
            client,
            storeId,
            layout,
            description(),
            Set.of(SCHEMA_MARKER, LEASE_KEY),
            versions::put);
  }

  /** A builder for the store {@code storeId} on the server at {@code baseUrl} (ending in /vss). */
  public static Builder builder(String baseUrl, String storeId) {
    return new Builder(baseUrl, storeId);
  }

  /** The key schema in use (V1 unless the store holds legacy V0 data). */
  public VssKeySchema schema() {
    return layout.schema();
  }

  // ---- writing --------------------------------------------------------------------------------

  /**
   * Sends a put: with the store's global_version when fencing (serialized, bumped on success), else
   * as is.
   */
  private void put(PutObjectRequest.Builder request) {
    request.setStoreId(storeId);
    if (fence == null) {
      client.putObjects(request.build(), writerGuard);
    } else {
      fence.put(request, writerGuard);
    }
  }

  private void checkWritable(ScopedKey k) {
    if (k.primaryNamespace().isEmpty()
        && (k.key().equals(VssKeyLayout.SCHEMA_VERSION_KEY)
            || k.key().equals(VssWriterLease.KEY))) {
      throw new InvalidKeyException(
          "Invalid key '"
              + k.key()
              + "' in the root namespace: reserved by ldk-node and lnkv on VSS");
    }
    if (lease != null) {
      lease.check();
    }
  }

  // ---- reads --------------------------------------------------------------------------------

  @Override
  protected byte[] doRead(ScopedKey key) {
    String vssKey = layout.vssKey(key);
    Optional<KeyValue> kv = client.getObject(storeId, vssKey);
    if (kv.isEmpty()) {
      versions.remove(vssKey);
      return null;
    }
    versions.put(vssKey, kv.get().getVersion());
    return values.open(key, vssKey, kv.get());
  }

  @Override
  protected List<String> doList(String primary, String secondary) {
    List<String> keys = new ArrayList<>();
    listing.forEachKey(primary, secondary, null, Integer.MAX_VALUE, k -> keys.add(k.key()));
    return keys;
  }

  @Override
  protected Page doListPaginated(String primary, String secondary, PageToken token, int pageSize) {
    List<String> keys = new ArrayList<>(pageSize);
    String next =
        listing.forEachKey(
            primary,
            secondary,
            token == null ? null : token.value(),
            pageSize,
            k -> keys.add(k.key()));
    return new Page(keys, next == null ? Optional.empty() : Optional.of(new PageToken(next)));
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    List<ScopedKey> keys = new ArrayList<>();
    listing.forEachKey(null, null, null, Integer.MAX_VALUE, keys::add);
    return keys;
  }

  // ---- writes -------------------------------------------------------------------------------

  @Override
  protected void doWrite(ScopedKey key, byte[] value) {
    checkWritable(key);
    String vssKey = layout.vssKey(key);
    long version = writeVersion(vssKey);
    try {
      put(PutObjectRequest.newBuilder().addTransactionItems(values.seal(vssKey, version, value)));
    } catch (ConflictException e) {
      versions.remove(vssKey);
      throw new ConflictException(
          "Writing "
              + key
              + " to "
              + description()
              + " conflicted: another client changed it. "
              + e.getMessage(),
          e);
    }
    versions.put(vssKey, version < 0 ? 1 : version + 1);
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    checkWritable(key);
    String vssKey = layout.vssKey(key);
    if (writeMode == WriteMode.UNCONDITIONAL && fence == null) {
      client.deleteObject(
          DeleteObjectRequest.newBuilder()
              .setStoreId(storeId)
              .setKeyValue(KeyValue.newBuilder().setKey(vssKey).setVersion(-1))
              .build(),
          writerGuard);
      versions.remove(vssKey);
      return;
    }
    // a conditional delete (or one that carries global_version) must go through putObjects,
    // where deleting an absent key conflicts: so look first
    long version = currentVersion(vssKey);
    if (version == 0) {
      return;
    }
    try {
      put(
          PutObjectRequest.newBuilder()
              .addDeleteItems(
                  KeyValue.newBuilder().setKey(vssKey).setVersion(deleteVersion(version))));
    } catch (ConflictException e) {
      versions.remove(vssKey);
      throw new ConflictException(
          "Removing "
              + key
              + " from "
              + description()
              + " conflicted: another client changed it. "
              + e.getMessage(),
          e);
    }
    versions.remove(vssKey);
  }

  @Override
  public boolean supportsAtomicBatch() {
    return true;
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    Map<ScopedKey, BatchOp> last = new LinkedHashMap<>();
    for (BatchOp op : operations) {
      checkWritable(op.key());
      // One item per key (the server conflicts on a key named twice): the last op wins, at the
      // place of the first, so that a key new to the store is created where the batch created it.
      last.put(op.key(), op);
    }
    if (last.size() > maxBatchItems) {
      throw new IllegalArgumentException(
          "A batch of "
              + last.size()
              + " keys is more than "
              + description()
              + " sends in one atomic request ("
              + maxBatchItems
              + ", the server's item limit); split it, or raise maxBatchItems if the server allows");
    }
    PutObjectRequest.Builder request = PutObjectRequest.newBuilder();
    Map<String, Long> written = new LinkedHashMap<>();
    List<String> removed = new ArrayList<>();
    for (BatchOp op : last.values()) {
      String vssKey = layout.vssKey(op.key());
      if (op instanceof BatchOp.Write w) {
        long version = writeVersion(vssKey);
        request.addTransactionItems(values.seal(vssKey, version, w.value()));
        written.put(vssKey, version < 0 ? 1 : version + 1);
      } else {
        long version = currentVersion(vssKey); // deleting an absent key would conflict
        if (version != 0) {
          request.addDeleteItems(
              KeyValue.newBuilder().setKey(vssKey).setVersion(deleteVersion(version)));
          removed.add(vssKey);
        }
      }
    }
    try {
      put(request);
    } catch (ConflictException e) {
      written.keySet().forEach(versions::remove);
      removed.forEach(versions::remove);
      throw new ConflictException(
          "A batch of "
              + last.size()
              + " operations on "
              + description()
              + " conflicted and nothing was applied: another client changed one of its keys. "
              + e.getMessage(),
          e);
    }
    versions.putAll(written);
    removed.forEach(versions::remove);
  }

  /** The version a write sends: -1, or under compare-and-set the tracked one (0: absent). */
  private long writeVersion(String vssKey) {
    return writeMode == WriteMode.UNCONDITIONAL ? -1 : currentVersion(vssKey);
  }

  private long deleteVersion(long version) {
    return writeMode == WriteMode.UNCONDITIONAL ? -1 : version;
  }

  /** The key's VSS version, tracked or fetched; 0 when absent. */
  private long currentVersion(String vssKey) {
    Long known = writeMode == WriteMode.COMPARE_AND_SET ? versions.get(vssKey) : null;
    if (known != null) {
      return known;
    }
    long version = client.getObject(storeId, vssKey).map(KeyValue::getVersion).orElse(0L);
    if (version != 0) {
      versions.put(vssKey, version);
    }
    return version;
  }

  @Override
  protected void doClose() {
    if (lease != null) {
      lease.close();
    }
  }

  /** Builds a {@link VssStore}. Not thread-safe. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    final URI baseUrl;
    final String storeId;
    VssKeys keys;
    VssHeaderProvider headers = VssHeaderProvider.none();
    ProtocolVersionCheck versionCheck = ProtocolVersionCheck.STRICT;
    Duration requestTimeout = Duration.ofSeconds(10);
    int maxAttempts = 100;
    Duration maxRetryTime = Duration.ofSeconds(180);
    Duration baseDelay = Duration.ofMillis(10);
    Duration maxJitter = Duration.ofMillis(100);
    WriteMode writeMode = WriteMode.UNCONDITIONAL;
    boolean fencing = true;
    SSLContext tls;
    Boolean http2; // null: by the scheme
    Duration leaseDuration = Duration.ofSeconds(60);
    int maxBatchItems = 1000;

    private Builder(String baseUrl, String storeId) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      this.storeId = Objects.requireNonNull(storeId, "storeId");
      if (storeId.isEmpty()) {
        throw new IllegalArgumentException(
            "The VSS store id is empty; name the store (ldk-node uses its own store id)");
      }
      try {
        this.baseUrl = URI.create(baseUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "Invalid VSS URL '"
                + io.lnkv.internal.Secrets.mask(baseUrl)
                + "': "
                + io.lnkv.internal.Secrets.mask(e.getMessage()),
            e);
      }
      if (!"http".equals(this.baseUrl.getScheme()) && !"https".equals(this.baseUrl.getScheme())) {
        throw new IllegalArgumentException(
            "Invalid VSS URL '"
                + io.lnkv.internal.Secrets.mask(baseUrl)
                + "': expected http(s)://host[:port]/vss");
      }
      if (this.baseUrl.getRawUserInfo() != null) {
        // the JDK's HTTP client refuses it at the first request, quoting the URL whole
        throw new IllegalArgumentException(
            "Invalid VSS URL '"
                + io.lnkv.internal.Secrets.mask(baseUrl)
                + "': credentials in the URL are not sent; use bearer auth (a JWT) or signature"
                + " auth instead");
      }
    }

    /** The encryption and obfuscation keys (required, or {@link #nodeSeed}). */
    public Builder keys(VssKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** Derives the keys from ldk-node's 64-byte node seed, as ldk-node does. */
    public Builder nodeSeed(byte[] seed) {
      return keys(VssKeys.fromNodeSeed(seed));
    }

    /** The headers sent with every request (authentication); none by default. */
    public Builder headers(VssHeaderProvider provider) {
      this.headers = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Signature authentication with ldk-node's key for {@code seed} ({@code m/877'/139'}). */
    public Builder signatureAuth(byte[] seed) {
      return headers(
          VssHeaderProvider.signatures(
              VssSignatures.secretKeyFromNodeSeed(seed), Clock.systemUTC()));
    }

    /** {@link ProtocolVersionCheck#STRICT} by default, as vss-client 0.6.0. */
    public Builder protocolVersionCheck(ProtocolVersionCheck check) {
      this.versionCheck = Objects.requireNonNull(check, "check");
      return this;
    }

    /** Timeout of each HTTP attempt (and of connecting); 10 s by default, as vss-client. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * How long a failing request is retried: at most {@code maxAttempts} attempts within {@code
     * maxTime}; 100 attempts and 180 s by default, as ldk-node.
     */
    public Builder retries(int maxAttempts, Duration maxTime) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      this.maxRetryTime = positive(maxTime, "maxTime");
      return this;
    }

    /**
     * The backoff: {@code base × (2^attempt − 1)} plus up to {@code maxJitter}; 10 ms and 100 ms by
     * default, as ldk-node.
     */
    public Builder backoff(Duration base, Duration maxJitter) {
      this.baseDelay = Objects.requireNonNull(base, "base");
      this.maxJitter = Objects.requireNonNull(maxJitter, "maxJitter");
      return this;
    }

    /**
     * The TLS context for an https server whose certificate the JVM's default trust store does not
     * cover (a private CA, a self-signed certificate); the JVM's default otherwise.
     */
    public Builder sslContext(SSLContext context) {
      this.tls = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Whether to speak HTTP/2, with many requests in flight on one connection (instead of a
     * connection per request in flight): by default yes over https, where TLS negotiates it (ALPN)
     * and a server without it is spoken to in HTTP/1.1; no in clear text, where {@code true}
     * upgrades the first connection with one bodiless request as the store opens (h2c; a server
     * that does not upgrade is spoken to in HTTP/1.1).
     */
    public Builder http2(boolean on) {
      this.http2 = on;
      return this;
    }

    /** {@link WriteMode#UNCONDITIONAL} by default. */
    public Builder writeMode(WriteMode mode) {
      this.writeMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Whether writes carry the store's {@code global_version}: on by default. Opening bumps it, so
     * a client that another lnkv writer has since opened can land no write, even one it sent before
     * it knew (a long pause, a retry still in flight) — the lease alone cannot promise that. The
     * cost: writes are serialized, one round trip each (measured by {@code lnkv bench}, rows "write
     * without fencing"). Off is ldk-node's behaviour; read-only stores never fence.
     */
    public Builder globalVersionFencing(boolean on) {
      this.fencing = on;
      return this;
    }

    /**
     * The writer lease's duration, 60 s by default; {@link Duration#ZERO} turns the lease off (then
     * nothing stops a second lnkv writer but {@link #globalVersionFencing}). A write attempt is
     * sent only while the lease has longer to run than {@link #requestTimeout}, so the lease must
     * be at least twice the request timeout ({@link #build} checks).
     */
    public Builder writerLease(Duration duration) {
      if (duration.isNegative() || (!duration.isZero() && duration.toMillis() < 300)) {
        throw new IllegalArgumentException(
            "writerLease must be zero (off) or at least 300 ms, was " + duration);
      }
      this.leaseDuration = duration;
      return this;
    }

    /** Most keys in one atomic batch: 1000 by default, vss-server's limit per request. */
    public Builder maxBatchItems(int items) {
      if (items < 1) {
        throw new IllegalArgumentException("maxBatchItems must be at least 1, was " + items);
      }
      this.maxBatchItems = items;
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Connects: detects the schema (writing ldk-node's V1 marker into a new store), takes the
     * global version when fencing, and the writer lease.
     *
     * @throws StoreLockedException if another lnkv writer holds the lease
     * @throws VssException if the server cannot be reached or refuses
     * @throws IncompatibleStoreException on a protocol-version mismatch or an unknown schema
     * @throws CorruptedDataException if the schema marker does not decrypt (another seed)
     */
    public VssStore build() {
      if (keys == null) {
        throw new IllegalStateException("VssStore needs keys: call keys(...) or nodeSeed(...)");
      }
      if (!leaseDuration.isZero() && leaseDuration.compareTo(requestTimeout.multipliedBy(2)) < 0) {
        throw new IllegalArgumentException(
            "writerLease ("
                + leaseDuration.toMillis()
                + " ms) must be at least twice requestTimeout ("
                + requestTimeout.toMillis()
                + " ms): a write is sent only while the lease outlasts a request");
      }
      return VssOpening.open(this, isReadOnly());
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }
}
