package io.lnkv.vss;

import io.lnkv.CorruptedDataException;
import io.lnkv.ScopedKey;
import io.lnkv.vss.wire.ErrorCode;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsRequest;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A {@link VssStore}'s listings: pages of {@code ListKeyVersions} under the store's key layout,
 * followed token by token (never {@code page_size 0}), with the reserved keys hidden and the keys
 * of other scopes that a plain V0 prefix also matches left out. Thread-safe.
 */
final class VssListing {
  /** What vss-server returns per page at most. */
  private static final int SERVER_MAX_PAGE = 100;

  private final VssClient client;
  private final String storeId;
  private final VssKeyLayout layout;
  private final String store; // for messages
  private final Set<ScopedKey> reserved;
  private final BiConsumer<String, Long> seenVersion;

  /**
   * @param reserved keys never listed (the schema marker, the writer lease)
   * @param seenVersion told the VSS version of every key listed (compare-and-set tracks them)
   */
  VssListing(
      VssClient client,
      String storeId,
      VssKeyLayout layout,
      String store,
      Set<ScopedKey> reserved,
      BiConsumer<String, Long> seenVersion) {
    this.client = client;
    this.storeId = storeId;
    this.layout = layout;
    this.store = store;
    this.reserved = reserved;
    this.seenVersion = seenVersion;
  }

  /**
   * Lists the keys of one scope (or, with a null primary, of the whole store) from {@code token},
   * until {@code limit} keys or the last page, skipping the reserved keys.
   *
   * @return the token to continue from, or null after the last page
   */
  String forEachKey(
      String primary, String secondary, String token, int limit, Consumer<ScopedKey> sink) {
    String prefix = primary == null ? "" : layout.prefix(primary, secondary);
    int found = 0;
    do {
      ListKeyVersionsRequest.Builder request =
          ListKeyVersionsRequest.newBuilder().setStoreId(storeId).setKeyPrefix(prefix);
      if (limit != Integer.MAX_VALUE) {
        request.setPageSize(Math.min(limit - found, SERVER_MAX_PAGE));
      }
      if (token != null) {
        request.setPageToken(token);
      }
      ListKeyVersionsResponse page;
      try {
        page = client.listKeyVersions(request.build());
      } catch (VssException e) {
        if (token != null && e.errorCode().orElse(null) == ErrorCode.INVALID_REQUEST_EXCEPTION) {
          throw new IllegalArgumentException(
              "Invalid page token '" + token + "' for " + store + ": " + e.getMessage(), e);
        }
        throw e;
      }
      for (KeyValue kv : page.getKeyVersionsList()) {
        ScopedKey k = parse(kv.getKey());
        if (k == null
            || (primary != null
                && !(k.primaryNamespace().equals(primary)
                    && k.secondaryNamespace().equals(secondary)))) {
          continue; // a reserved key, or another scope matched by a plain V0 prefix
        }
        seenVersion.accept(kv.getKey(), kv.getVersion());
        sink.accept(k);
        found++;
      }
      token =
          page.hasNextPageToken() && !page.getNextPageToken().isEmpty()
              ? page.getNextPageToken()
              : null;
    } while (token != null && found < limit);
    return token;
  }

  /** The key behind a VSS key; null for the reserved keys. */
  private ScopedKey parse(String vssKey) {
    ScopedKey k;
    try {
      k = layout.parse(vssKey);
    } catch (IllegalArgumentException | CorruptedDataException e) {
      throw new CorruptedDataException(
          store
              + " holds a key that is not ldk-node's "
              + layout.schema()
              + " layout under this seed: "
              + e.getMessage()
              + ". Check the seed (keys) and the store id",
          e);
    }
    if (reserved.contains(k)) {
      return null;
    }
    return k;
  }
}
