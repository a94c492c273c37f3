package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys from a JWKS document that rotates, served by a local identity provider (a test's HTTP
 * server) or a file: a token signed by a new key is accepted without a restart once the document
 * has it, and a token signed by a key the document dropped is refused once the cache is stale.
 */
class JwksRotationTest {
  @TempDir Path dir;

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static String jwks(Map<String, KeyPair> keys) {
    JWKSet set =
        new JWKSet(
            keys.entrySet().stream()
                .map(
                    e ->
                        (com.nimbusds.jose.jwk.JWK)
                            new RSAKey.Builder((RSAPublicKey) e.getValue().getPublic())
                                .keyID(e.getKey())
                                .build())
                .toList());
    return set.toString(true);
  }

  private static String token(String kid, KeyPair key, String sub) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(),
            new JWTClaimsSet.Builder()
                .subject(sub)
                .expirationTime(Date.from(Instant.now().plusSeconds(600)))
                .build());
    jwt.sign(new RSASSASigner((RSAPrivateKey) key.getPrivate()));
    return jwt.serialize();
  }

  private static String user(Authorizer a, String token) {
    return a.authorize(Map.of("authorization", "Bearer " + token));
  }

  @Test
  void aProviderRotatingKeys_isFollowedWithoutARestart() throws Exception {
    KeyPair first = rsa();
    KeyPair second = rsa();
    AtomicReference<String> document = new AtomicReference<>(jwks(Map.of("k1", first)));
    AtomicInteger fetches = new AtomicInteger();
    HttpServer provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    provider.createContext(
        "/jwks.json",
        exchange -> {
          fetches.incrementAndGet();
          byte[] body = document.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    provider.start();
    try {
      URL url = new URL("http://127.0.0.1:" + provider.getAddress().getPort() + "/jwks.json");
      Authorizer a =
          Authorizer.jwks(url).jwksRefresh(Duration.ofSeconds(2), Duration.ofMillis(200)).build();
      assertThat(user(a, token("k1", first, "alice"))).isEqualTo("alice");
      assertThat(fetches.get()).isEqualTo(1);
      for (int i = 0; i < 20; i++) {
        user(a, token("k1", first, "alice"));
      }
      assertThat(fetches.get()).as("cached").isEqualTo(1);

      // the provider adds a second key and starts signing with it
      document.set(jwks(Map.of("k1", first, "k2", second)));
      Thread.sleep(300); // past the minimum refresh interval
      assertThat(user(a, token("k2", second, "bob")))
          .as("an unknown key id fetches the document again")
          .isEqualTo("bob");

      // the provider drops the first key: refused once the cached document expires
      document.set(jwks(Map.of("k2", second)));
      Thread.sleep(2_200);
      assertThatThrownBy(() -> user(a, token("k1", first, "mallory")))
          .isInstanceOf(Authorizer.Refused.class);
      assertThat(user(a, token("k2", second, "bob"))).isEqualTo("bob");

      // a flood of unknown key ids costs the provider one fetch per interval, not one per token
      KeyPair stranger = rsa();
      int before = fetches.get();
      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        String forged = token("k" + (100 + i), stranger, "eve");
        assertThatThrownBy(() -> user(a, forged)).isInstanceOf(Authorizer.Refused.class);
      }
      // Nimbus lets two fetches through per minimum refresh interval (200 ms here)
      long intervals = (System.nanoTime() - start) / 200_000_000L + 1;
      assertThat((long) fetches.get() - before)
          .isLessThanOrEqualTo(2 * intervals + 1)
          .isLessThan(25);
    } finally {
      provider.stop(0);
    }
  }

  /**
   * A token whose key set is being fetched waits on a worker thread, never on the thread that reads
   * requests from the network (which serves other connections too): while a slow provider holds the
   * fetch, another connection's {@code /health} is answered at once. Were the fetch made on the
   * network thread, it would wait as long as the provider (on a machine of 2 cores, which Jetty
   * gives one network thread).
   */
  @Test
  void aSlowKeyProvider_holdsNoNetworkThread() throws Exception {
    KeyPair key = rsa();
    String document = jwks(Map.of("k1", key));
    HttpServer provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    provider.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    provider.createContext(
        "/jwks.json",
        exchange -> {
          try {
            Thread.sleep(1_800); // within the fetch's 2 s timeout
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = document.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    provider.start();
    URL url = new URL("http://127.0.0.1:" + provider.getAddress().getPort() + "/jwks.json");
    try (VssServer server =
        ServerFixtures.server(dir, "slow-jwks").authorizer(Authorizer.jwks(url).build()).start()) {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      java.net.URI get = java.net.URI.create(server.baseUrl() + "/getObject");
      java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<Void>>>
          waiting = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        waiting.add(
            http.sendAsync(
                java.net.http.HttpRequest.newBuilder(get)
                    .header("Authorization", "Bearer " + token("k1", key, "alice"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()));
      }
      Thread.sleep(300); // they wait for the key set now
      assertThat(waiting).noneMatch(java.util.concurrent.CompletableFuture::isDone);
      long start = System.nanoTime();
      java.net.http.HttpResponse<String> health =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://127.0.0.1:" + server.port() + "/health"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(millis).as("/health while the key set is fetched").isLessThan(1_000);
      for (var w : waiting) {
        assertThat(w.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode())
            .as("authenticated once the key set came: an empty body is not a request")
            .isEqualTo(400);
      }
    } finally {
      provider.stop(0);
    }
  }

  @Test
  void aJwksFile_isReadAgainWhenATokenNamesAKeyItDoesNotHold() throws Exception {
    KeyPair first = rsa();
    KeyPair second = rsa();
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, jwks(Map.of("k1", first)));
    Authorizer a =
        Authorizer.jwks(file.toUri().toURL())
            .jwksRefresh(Duration.ofMinutes(5), Duration.ofMillis(100))
            .build();
    assertThat(user(a, token("k1", first, "alice"))).isEqualTo("alice");
    Files.writeString(file, jwks(Map.of("k1", first, "k2", second)));
    Thread.sleep(200);
    assertThat(user(a, token("k2", second, "bob"))).isEqualTo("bob");
  }
}
