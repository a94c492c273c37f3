package io.lnkv.vss.server;

import java.nio.file.Path;

/**
 * Where a {@link VssServer} keeps its data: key-versions partitioned by (user, store id), with
 * vss-server's semantics (reference §2), in a SQLite file or a PostgreSQL database. Obtained from
 * {@link #sqlite} or {@link #postgres} and handed to {@link VssServer#builder}, which closes it
 * when the server stops. The operations the server runs on it are not API (they speak the wire
 * messages, which are not exported). Thread-safe.
 */
public sealed interface VssStorage extends AutoCloseable permits KeyVersionStorage {
  /** The reserved key of a store's {@code global_version} (vss-server's Rust name). */
  String GLOBAL_VERSION_KEY = "global_version";

  /** A short description for logs: the kind and where, without credentials. */
  String describe();

  @Override
  void close();

  /**
   * Storage in a SQLite file, created owner-only if absent; one server per file.
   *
   * @throws io.lnkv.StoreException if the file cannot be opened, holds other tables (a node's
   *     store), or another server holds it
   */
  static VssStorage sqlite(Path file) {
    return SqlVssStorage.sqlite(file);
  }

  /**
   * Storage in PostgreSQL ({@code jdbc:postgresql://host[:port]/db?user=...}); its table is created
   * if absent.
   *
   * @throws io.lnkv.StoreException if the server cannot be reached or refuses the login
   */
  static VssStorage postgres(String jdbcUrl) {
    return SqlVssStorage.postgres(jdbcUrl);
  }
}
