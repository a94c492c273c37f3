package io.lnkv.vss.server;

import io.lnkv.ConflictException;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a {@link VssServer} keeps its data: key-versions partitioned by (user, store id), with
 * vss-server's semantics (reference §2). Implementations are thread-safe.
 */
public interface VssStorage extends AutoCloseable {
  /** The reserved key of a store's {@code global_version} (vss-server's Rust name). */
  String GLOBAL_VERSION_KEY = "global_version";

  /**
   * The key's value and version; for {@link #GLOBAL_VERSION_KEY}, version 0 when never set; empty
   * when absent.
   */
  Optional<KeyValue> get(String user, String storeId, String key);

  /**
   * Applies every put, then every delete, and the global-version check when {@code globalVersion}
   * is not null, in one transaction: all or nothing.
   *
   * @throws ConflictException if any item (or the global version) did not match; nothing applied
   */
  void put(
      String user, String storeId, Long globalVersion, List<KeyValue> puts, List<KeyValue> deletes);

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

  /** A short description for logs: the kind and where, without credentials. */
  String describe();

  @Override
  void close();

  /** Storage in a SQLite file (created if needed). */
  static VssStorage sqlite(Path file) {
    return SqlVssStorage.sqlite(file);
  }

  /** Storage in PostgreSQL ({@code jdbc:postgresql://host[:port]/db?user=...}). */
  static VssStorage postgres(String jdbcUrl) {
    return SqlVssStorage.postgres(jdbcUrl);
  }
}
