package io.lnkv.vss.server;

import io.lnkv.vss.VssKeys;
import io.lnkv.vss.VssStore;
import java.nio.file.Path;
import java.time.Duration;

/** A server on a SQLite file of its own, and clients for it, as the server tests use them. */
final class ServerFixtures {
  private ServerFixtures() {}

  /**
   * A server on {@code dir/name.sqlite}, any free port, no authentication; an admin listener on any
   * free port, and {@code /health} on the public port too.
   */
  static VssServer.Builder server(Path dir, String name) {
    return VssServer.builder(VssStorage.sqlite(dir.resolve(name + ".sqlite")))
        .port(0)
        .authorizer(Authorizer.none())
        .adminListener("127.0.0.1", 0)
        .publicHealth(true);
  }

  /** A client of {@code server}'s store {@code store}, with a short retry budget. */
  static VssStore.Builder client(VssServer server, String store) {
    byte[] seed = new byte[64];
    seed[0] = 5;
    return VssStore.builder(server.baseUrl().toString(), store)
        .keys(VssKeys.fromNodeSeed(seed))
        .retries(3, Duration.ofSeconds(5));
  }
}
