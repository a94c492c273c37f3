package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JWT rules, token by token, with tokens signed by Nimbus and a fixed clock. */
class JwtAuthorizerTest {
  private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static final KeyPair RSA = generate("RSA", 2048);
  private static final KeyPair EC = generate("EC", 256);

  private static KeyPair generate(String kind, int size) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(kind);
      g.initialize(size);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWTClaimsSet.Builder valid() {
    return new JWTClaimsSet.Builder()
        .subject("alice")
        .expirationTime(Date.from(NOW.plusSeconds(600)));
  }

  private static String sign(JWSAlgorithm alg, JWSSigner signer, JWTClaimsSet claims)
      throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String rs256(JWTClaimsSet claims) throws Exception {
    return sign(JWSAlgorithm.RS256, new RSASSASigner(RSA.getPrivate()), claims);
  }

  private static String es256(JWTClaimsSet claims) throws Exception {
    return sign(JWSAlgorithm.ES256, new ECDSASigner((ECPrivateKey) EC.getPrivate()), claims);
  }

  private static String user(Authorizer a, String token) {
    return a.authorize(Map.of("authorization", "Bearer " + token));
  }

  private static void refused(Authorizer a, String token, String why) {
    assertThatThrownBy(() -> user(a, token)).as(why).isInstanceOf(Authorizer.Refused.class);
  }

  @Test
  void rs256_subIsTheUser_andEveryBrokenRuleIsRefused() throws Exception {
    Authorizer a = Authorizer.jwt(VssServerProtocolTest.pem(RSA)).clock(CLOCK).build();
    assertThat(user(a, rs256(valid().build()))).isEqualTo("alice");
    refused(a, rs256(valid().expirationTime(null).build()), "no exp");
    refused(a, rs256(valid().subject(null).build()), "no sub");
    refused(a, rs256(valid().expirationTime(Date.from(NOW.minusSeconds(120))).build()), "expired");
    assertThat(user(a, rs256(valid().expirationTime(Date.from(NOW.minusSeconds(30))).build())))
        .as("expired within the 60 s skew")
        .isEqualTo("alice");
    refused(a, rs256(valid().notBeforeTime(Date.from(NOW.plusSeconds(300))).build()), "nbf ahead");
    refused(a, rs256(valid().audience("x").build()), "aud without a configured audience");
    refused(a, es256(valid().build()), "another algorithm (ES256 for an RS256 key)");
    refused(
        a,
        sign(JWSAlgorithm.HS256, new MACSigner(new byte[32]), valid().build()),
        "HS256 (a MAC keyed by anything)");
    refused(a, new PlainJWT(valid().build()).serialize(), "alg none");
    String good = rs256(valid().build());
    refused(a, good.substring(0, good.length() - 4) + "AAAA", "a bad signature");
    refused(a, "not.a.jwt", "not a JWT");
  }

  @Test
  void es256_withIssuerAndAudienceConfigured() throws Exception {
    Authorizer a =
        Authorizer.jwt(VssServerProtocolTest.pem(EC))
            .algorithm(JwtAuthorizer.Algorithm.ES256)
            .issuer("https://auth.example")
            .audience("vss")
            .clockSkew(Duration.ofSeconds(5))
            .clock(CLOCK)
            .build();
    JWTClaimsSet.Builder claims = valid().issuer("https://auth.example").audience("vss");
    assertThat(user(a, es256(claims.build()))).isEqualTo("alice");
    refused(a, es256(valid().audience("vss").build()), "no iss");
    refused(a, es256(valid().issuer("https://evil.example").audience("vss").build()), "wrong iss");
    refused(a, es256(valid().issuer("https://auth.example").build()), "no aud");
    refused(
        a, es256(valid().issuer("https://auth.example").audience("other").build()), "wrong aud");
    refused(
        a,
        es256(claims.expirationTime(Date.from(NOW.minusSeconds(30))).build()),
        "expired beyond the 5 s skew");
  }

  @Test
  void aKeyThatDoesNotFitThePinnedAlgorithm_isRefusedAtStart() {
    assertThatThrownBy(
            () ->
                Authorizer.jwt(VssServerProtocolTest.pem(RSA))
                    .algorithm(JwtAuthorizer.Algorithm.ES256)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RS256");
    assertThatThrownBy(
            () -> Authorizer.jwt(VssServerProtocolTest.pem(generate("RSA", 1024))).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2048");
    assertThatThrownBy(() -> Authorizer.jwt("not a key").build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
