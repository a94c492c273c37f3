package io.lnkv.vss.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;

/** vss-server's JWT authorizer: RS256 only, {@code exp} required, {@code aud} refused. */
final class JwtAuthorizer implements Authorizer {
  private static final long LEEWAY_SECONDS = 60;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RSAPublicKey key;
  private final Clock clock;

  JwtAuthorizer(RSAPublicKey key, Clock clock) {
    if (key.getModulus().bitLength() < 2048) {
      throw new IllegalArgumentException(
          "The JWT public key has "
              + key.getModulus().bitLength()
              + " bits; RS256 needs at least 2048");
    }
    this.key = key;
    this.clock = clock;
  }

  @Override
  public String authorize(Map<String, String> headers) {
    String header = headers.get("authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      throw new Refused("missing 'Authorization: Bearer <JWT>' header");
    }
    String[] parts = header.substring("Bearer ".length()).strip().split("\\.", -1);
    if (parts.length != 3) {
      throw new Refused("the bearer token is not a JWT (three base64url parts)");
    }
    JsonNode head = json(parts[0], "header");
    if (!"RS256".equals(head.path("alg").asText())) {
      throw new Refused("JWT algorithm must be RS256, was " + head.path("alg"));
    }
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(key);
      rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!rsa.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        throw new Refused("JWT signature does not verify");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new Refused("JWT signature does not verify", e);
    }
    JsonNode claims = json(parts[1], "claims");
    JsonNode exp = claims.get("exp");
    if (exp == null || !exp.isNumber()) {
      throw new Refused("JWT has no exp claim");
    }
    if (exp.asLong() + LEEWAY_SECONDS < clock.instant().getEpochSecond()) {
      throw new Refused("JWT expired");
    }
    if (claims.has("aud")) {
      throw new Refused("JWT with an aud claim is not accepted");
    }
    String sub = claims.path("sub").asText("");
    if (sub.isBlank() || sub.length() > 120) {
      throw new Refused("JWT sub claim must be 1 to 120 characters");
    }
    return sub;
  }

  private static JsonNode json(String part, String what) {
    try {
      JsonNode node = JSON.readTree(Base64.getUrlDecoder().decode(part));
      if (node == null || !node.isObject()) {
        throw new Refused("JWT " + what + " is not a JSON object");
      }
      return node;
    } catch (IOException | IllegalArgumentException e) {
      throw new Refused("JWT " + what + " is not base64url JSON", e);
    }
  }
}
