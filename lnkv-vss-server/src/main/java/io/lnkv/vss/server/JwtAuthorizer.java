package io.lnkv.vss.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
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
 * vss-server does), a small clock skew. The user is {@code sub} (1 to 120 characters).
 *
 * <p>The keys come from one PEM key ({@link #builder}) or from a JWKS document that an identity
 * provider publishes and rotates ({@link #jwks}): fetched over HTTP(S) or read from a {@code file:}
 * URL (at most 64 KiB), cached, fetched again once expired and at once when a token names a key id
 * the cache does not hold (at most once per {@code minRefreshInterval}), so keys rotate without a
 * restart. Only RSA keys of 2048 bits or more and P-256 keys are used. Thread-safe.
 */
public final class JwtAuthorizer implements Authorizer {
  /** The signature algorithms accepted, one per authorizer. */
  public enum Algorithm {
    /** RSASSA-PKCS1-v1_5 with SHA-256 (vss-server's). */
    RS256,
    /** ECDSA on P-256 with SHA-256. */
    ES256
  }

  private static final int MAX_JWKS_BYTES = 64 * 1024;

  private final DefaultJWTProcessor<SecurityContext> processor;
  private final boolean fetchesKeys;

  private JwtAuthorizer(DefaultJWTProcessor<SecurityContext> processor, boolean fetchesKeys) {
    this.processor = processor;
    this.fetchesKeys = fetchesKeys;
  }

  /** Whether a token may wait for its key set to be fetched (JWKS): then it blocks. */
  boolean fetchesKeys() {
    return fetchesKeys;
  }

  /**
   * A builder for tokens signed by the key of {@code publicKeyPem}: a PEM {@code PUBLIC KEY} or
   * {@code CERTIFICATE} (parsed by Nimbus with BouncyCastle).
   */
  public static Builder builder(String publicKeyPem) {
    return new Builder(Objects.requireNonNull(publicKeyPem, "publicKeyPem"), null);
  }

  /**
   * A builder for tokens signed by any key of the JWKS document at {@code url} ({@code https:},
   * {@code http:} or {@code file:}); by default RS256 and ES256 are accepted, each with keys of its
   * own type only.
   */
  public static Builder jwks(java.net.URL url) {
    return new Builder(null, Objects.requireNonNull(url, "url"));
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
    private final String pem; // or:
    private final java.net.URL jwksUrl;
    private Duration jwksTtl = Duration.ofMinutes(5);
    private Duration minRefreshInterval = Duration.ofSeconds(30);
    private Algorithm algorithm;
    private String issuer;
    private String audience;
    private Duration clockSkew = Duration.ofSeconds(60);
    private Clock clock = Clock.systemUTC();

    private Builder(String pem, java.net.URL jwksUrl) {
      this.pem = pem;
      this.jwksUrl = jwksUrl;
    }

    /**
     * How long a fetched JWKS document is used (5 minutes by default; the first token after that
     * waits for a fetch), and the shortest time between two fetches that a token with an unknown
     * key id can cause (30 s by default: a flood of such tokens costs the provider one request per
     * interval).
     */
    public Builder jwksRefresh(Duration ttl, Duration minRefreshInterval) {
      if (ttl.compareTo(minRefreshInterval) <= 0 || minRefreshInterval.isNegative()) {
        throw new IllegalArgumentException(
            "the JWKS time to live must be longer than the minimum refresh interval");
      }
      this.jwksTtl = ttl;
      this.minRefreshInterval = minRefreshInterval;
      return this;
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
      DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
      processor.setJWSKeySelector(pem != null ? onePemKey() : jwksKeys());
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
      return new JwtAuthorizer(processor, pem == null);
    }

    private JWSVerificationKeySelector<SecurityContext> onePemKey() {
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
      return new JWSVerificationKeySelector<>(
          JWSAlgorithm.parse(keyAlgorithm.name()),
          new ImmutableJWKSet<SecurityContext>(new JWKSet(key.toPublicJWK())));
    }

    private JWSVerificationKeySelector<SecurityContext> jwksKeys() {
      JWKSource<SecurityContext> source =
          JWKSourceBuilder.<SecurityContext>create(
                  jwksUrl, new DefaultResourceRetriever(2_000, 2_000, MAX_JWKS_BYTES))
              .cache(jwksTtl.toMillis(), 15_000)
              .refreshAheadCache(false) // no background threads: a stale set is fetched on use
              .rateLimited(minRefreshInterval.toMillis())
              .build();
      Set<JWSAlgorithm> algorithms =
          algorithm != null
              ? Set.of(JWSAlgorithm.parse(algorithm.name()))
              : Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
      return new JWSVerificationKeySelector<>(algorithms, source) {
        @Override
        public java.util.List<java.security.Key> selectJWSKeys(
            com.nimbusds.jose.JWSHeader header, SecurityContext context)
            throws com.nimbusds.jose.KeySourceException {
          // a provider's document may hold weak or foreign keys: only strong ones verify
          return super.selectJWSKeys(header, context).stream()
              .filter(Builder::strongEnough)
              .toList();
        }
      };
    }

    private static boolean strongEnough(java.security.Key key) {
      if (key instanceof java.security.interfaces.RSAPublicKey rsa) {
        return rsa.getModulus().bitLength() >= 2048;
      }
      return key instanceof java.security.interfaces.ECPublicKey ec
          && ec.getParams().getCurve().getField().getFieldSize() == 256;
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
