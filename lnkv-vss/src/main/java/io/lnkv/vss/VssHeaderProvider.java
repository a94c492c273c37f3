package io.lnkv.vss;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The headers a {@link VssStore} sends with each request, typically authentication. Called once per
 * HTTP attempt (retries included) with the serialized request body, so that a provider may sign it.
 * Implementations must be thread-safe; an exception thrown here fails the call without retrying it.
 */
@FunctionalInterface
public interface VssHeaderProvider {
  /** The headers for one request whose body is {@code requestBody}. */
  Map<String, String> headers(byte[] requestBody);

  /** No headers: for a server without authentication. */
  static VssHeaderProvider none() {
    return body -> Map.of();
  }

  /** The same headers on every request (vss-client's {@code FixedHeaders}). */
  static VssHeaderProvider fixed(Map<String, String> headers) {
    Map<String, String> copy = Map.copyOf(headers);
    return body -> copy;
  }

  /**
   * {@code Authorization: Bearer <token>}, the token taken from {@code token} on every request, so
   * that a refreshed JWT is picked up.
   */
  static VssHeaderProvider bearer(Supplier<String> token) {
    Objects.requireNonNull(token, "token");
    return body -> Map.of("Authorization", "Bearer " + token.get());
  }

  /**
   * VSS signature authentication ({@link VssSignatures}): a fresh signature of the current time
   * with {@code secretKey} on every request. ldk-node's key is {@link
   * VssSignatures#secretKeyFromNodeSeed}.
   */
  static VssHeaderProvider signatures(byte[] secretKey, Clock clock) {
    byte[] key = secretKey.clone();
    VssSignatures.publicKey(key); // fails now on an invalid key, not at the first request
    return body ->
        Map.of("Authorization", VssSignatures.authorization(key, clock.instant().getEpochSecond()));
  }

  /** This provider's headers with {@code other}'s added (its own win on a clash). */
  default VssHeaderProvider and(VssHeaderProvider other) {
    return body -> {
      Map<String, String> all = new HashMap<>(other.headers(body));
      all.putAll(headers(body));
      return all;
    };
  }
}
