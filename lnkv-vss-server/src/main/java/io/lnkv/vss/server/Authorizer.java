package io.lnkv.vss.server;

import io.lnkv.vss.VssSignatures;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Turns a request's headers into the user its data belongs to, before the body is read (as
 * vss-server). Thread-safe.
 */
@FunctionalInterface
public interface Authorizer {
  /** The user every request is under without authentication (vss-server's noop authorizer). */
  String UNAUTHENTICATED_USER = "unauth-user";

  /**
   * @param headers the request headers, names in lower case
   * @return the user token: non-empty, at most 120 characters
   * @throws Refused if the request is not authenticated
   */
  String authorize(Map<String, String> headers);

  /** A refused authentication; its message goes back to the client. */
  final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A refusal; {@code message} is sent to the client, so it must hold no secret. */
    public Refused(String message) {
      super(message);
    }

    /** A refusal caused by {@code cause}; only {@code message} is sent to the client. */
    public Refused(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** No authentication: every request is {@value #UNAUTHENTICATED_USER}. */
  Authorizer NONE = headers -> UNAUTHENTICATED_USER;

  /** {@link #NONE}. */
  static Authorizer none() {
    return NONE;
  }

  /** JWT bearer tokens: see {@link JwtAuthorizer#builder}. */
  static JwtAuthorizer.Builder jwt(String publicKeyPem) {
    return JwtAuthorizer.builder(publicKeyPem);
  }

  /** JWT bearer tokens signed by keys of a JWKS document: see {@link JwtAuthorizer#jwks}. */
  static JwtAuthorizer.Builder jwks(java.net.URL url) {
    return JwtAuthorizer.jwks(url);
  }

  /**
   * VSS signature authentication ({@link VssSignatures}): a low-S secp256k1 signature of a time
   * within ±24 h of {@code clock}; the user is the public key in hex.
   */
  static Authorizer signatures(Clock clock) {
    Duration window = Duration.ofHours(24);
    return headers -> {
      String header = headers.get("authorization");
      if (header == null) {
        throw new Refused("missing Authorization header (signature authentication)");
      }
      try {
        return VssSignatures.verify(header, clock.instant(), window);
      } catch (IllegalArgumentException e) {
        throw new Refused(e.getMessage(), e);
      }
    };
  }
}
