package io.lnkv.vss.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code Authorization: Bearer <JWT>} checked with Nimbus JOSE+JWT: a signature by the configured
 * public key under the one pinned algorithm (RS256 with an RSA key of at least 2048 bits, or ES256
 * with a P-256 key; a token naming any other algorithm, {@code none} included, is refused), {@code
 * exp} and {@code sub} required, {@code nbf} honoured when present, {@code iss} and {@code aud}
 * checked when configured (without a configured audience a token with {@code aud} is refused, as
 * vss-server does), a small clock skew. The user is {@code sub} (1 to 120 characters). Thread-safe.
 */
public final class JwtAuthorizer implements Authorizer {
  /** The signature algorithms accepted, one per authorizer. */
  public enum Algorithm {
    /** RSASSA-PKCS1-v1_5 with SHA-256 (vss-server's). */
    RS256,
    /** ECDSA on P-256 with SHA-256. */
    ES256
  }

  private final DefaultJWTProcessor<SecurityContext> processor;

  private JwtAuthorizer(DefaultJWTProcessor<SecurityContext> processor) {
    this.processor = processor;
  }

  /**
   * A builder for tokens signed by the key of {@code publicKeyPem}: a PEM {@code PUBLIC KEY} or
   * {@code CERTIFICATE} (parsed by Nimbus with BouncyCastle).
   */
  public static Builder builder(String publicKeyPem) {
    return new Builder(publicKeyPem);
  }

  @Override
  public String authorize(Map<String, String> headers) {
    String header = headers.get("authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      throw new Refused("missing 'Authorization: Bearer <JWT>' header");
    }
    JWTClaimsSet claims;
    try {
      claims = processor.process(header.substring("Bearer ".length()).strip(), null);
    } catch (ParseException e) {
      throw new Refused("the bearer token is not a JWT", e);
    } catch (BadJOSEException | JOSEException e) {
      throw new Refused("JWT refused: " + e.getMessage(), e);
    }
    String sub = claims.getSubject();
    if (sub == null || sub.isBlank() || sub.length() > 120) {
      throw new Refused("JWT sub claim must be 1 to 120 characters");
    }
    return sub;
  }

  /** Settings of a {@link JwtAuthorizer}. Not thread-safe. */
  public static final class Builder {
    private final String pem;
    private Algorithm algorithm;
    private String issuer;
    private String audience;
    private Duration clockSkew = Duration.ofSeconds(60);
    private Clock clock = Clock.systemUTC();

    private Builder(String pem) {
      this.pem = Objects.requireNonNull(pem, "publicKeyPem");
    }

    /** The one algorithm accepted; by default the key's (RS256 for RSA, ES256 for P-256). */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
      return this;
    }

    /** Requires {@code iss} to be exactly this; not checked by default. */
    public Builder issuer(String issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /** Requires {@code aud} to hold this; by default a token with {@code aud} is refused. */
    public Builder audience(String audience) {
      this.audience = Objects.requireNonNull(audience, "audience");
      return this;
    }

    /** How far {@code exp} and {@code nbf} may be off; 60 s by default. */
    public Builder clockSkew(Duration skew) {
      this.clockSkew = Objects.requireNonNull(skew, "skew");
      return this;
    }

    /** The clock tokens are checked against; the system's by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @throws IllegalArgumentException if the PEM holds no usable public key, the key is weaker
     *     than its algorithm needs, or it does not fit the pinned algorithm
     */
    public JwtAuthorizer build() {
      JWK key;
      try {
        key = JWK.parseFromPEMEncodedObjects(pem);
      } catch (JOSEException | RuntimeException e) {
        throw new IllegalArgumentException(
            "The JWT public key is not a PEM RSA or EC public key or certificate: "
                + e.getMessage(),
            e);
      }
      Algorithm keyAlgorithm = algorithmOf(key);
      if (algorithm != null && algorithm != keyAlgorithm) {
        throw new IllegalArgumentException(
            "The JWT public key is for " + keyAlgorithm + ", but " + algorithm + " was pinned");
      }
      key = key.toPublicJWK();
      DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
      processor.setJWSKeySelector(
          new JWSVerificationKeySelector<>(
              JWSAlgorithm.parse(keyAlgorithm.name()),
              new ImmutableJWKSet<SecurityContext>(new JWKSet(key))));
      JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
      if (issuer != null) {
        exact.issuer(issuer);
      }
      Clock now = clock;
      DefaultJWTClaimsVerifier<SecurityContext> claims =
          new DefaultJWTClaimsVerifier<>(
              audience == null ? null : Set.of(audience),
              exact.build(),
              Set.of("sub", "exp"),
              audience == null ? Set.of("aud") : null) {
            @Override
            protected Date currentTime() {
              return Date.from(now.instant());
            }
          };
      claims.setMaxClockSkew((int) clockSkew.toSeconds());
      processor.setJWTClaimsSetVerifier(claims);
      return new JwtAuthorizer(processor);
    }

    private static Algorithm algorithmOf(JWK key) {
      if (key instanceof RSAKey rsa) {
        if (rsa.size() < 2048) {
          throw new IllegalArgumentException(
              "The JWT public key has " + rsa.size() + " bits; RS256 needs at least 2048");
        }
        return Algorithm.RS256;
      }
      if (key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve())) {
        return Algorithm.ES256;
      }
      throw new IllegalArgumentException(
          "The JWT public key must be RSA (RS256) or EC P-256 (ES256), was " + key.getKeyType());
    }
  }
}
