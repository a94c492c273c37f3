package io.lnkv.vss.server;

import io.lnkv.ConflictException;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import java.util.List;
import java.util.Optional;

/**
 * What {@link VssServer} does with its {@link VssStorage}: vss-server's key-version operations, in
 * the wire messages' terms. Package-private, since those messages are not exported. Implementations
 * are thread-safe.
 */
sealed interface KeyVersionStorage extends VssStorage permits SqlVssStorage {
  /**
   * The key's value and version; for {@link VssStorage#GLOBAL_VERSION_KEY}, version 0 when never
   * set; empty when absent.
   */
  Optional<KeyValue> get(String user, String storeId, String key);

  /**
   * Whether {@link #get} and {@link #list} are quick enough to run on the thread that read the
   * request from the network, saving the hand-off to a worker thread: reads of a local file's
   * pages, with a pooled connection that is soon free, never a network round trip. False by
   * default.
   */
  default boolean readsAreQuick() {
    return false;
  }

  /**
   * What one user may keep, over all their stores: bytes of values, keys (every row, {@code
   * global_version} rows included) and stores. Checked by each put that adds anything against what
   * the user holds once it is applied ({@link UserUsage}); puts that only remove always pass.
   */
  record Quota(long maxBytes, long maxKeys, long maxStores) {
    /** No limit. */
    static final Quota NONE = new Quota(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    Quota(long maxBytes, long maxKeys) {
      this(maxBytes, maxKeys, Long.MAX_VALUE);
    }

    boolean isNone() {
      return maxBytes == Long.MAX_VALUE && maxKeys == Long.MAX_VALUE && maxStores == Long.MAX_VALUE;
    }
  }

  /** A put that would take its user over their {@link Quota}; nothing was applied. */
  final class QuotaExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    QuotaExceededException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Applies every put, then every delete, and the global-version check when {@code globalVersion}
   * is not null, in one transaction: all or nothing.
   *
   * @throws ConflictException if any item (or the global version) did not match; nothing applied
   * @throws QuotaExceededException if the user would hold more than {@code quota}; nothing applied
   */
  void put(
      String user,
      String storeId,
      Long globalVersion,
      List<KeyValue> puts,
      List<KeyValue> deletes,
      Quota quota);

  /** {@code DeleteObject}: deletes if the version is -1 or matches; otherwise does nothing. */
  void delete(String user, String storeId, KeyValue keyVersion);

  /**
   * One page of keys (values left empty), newest-created first.
   *
   * @param prefix keys starting with it (a literal prefix, no wildcards); null for all
   * @param pageSize already between 0 and the server's maximum
   * @param token null for the first page (which then carries the global version)
   * @throws IllegalArgumentException for a malformed token
   */
  ListKeyVersionsResponse list(
      String user, String storeId, String prefix, int pageSize, String token);
}
