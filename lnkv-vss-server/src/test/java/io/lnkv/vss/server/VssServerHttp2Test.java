package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.lnkv.vss.wire.GetObjectRequest;
import io.lnkv.vss.wire.GetObjectResponse;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.PutObjectRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * lnkv serve over HTTP/2, with the JDK's HTTP/2 client on 127.0.0.1: h2 chosen by ALPN over TLS,
 * h2c in clear; many requests multiplexed on one connection; a refusal resets its stream, not the
 * connection.
 */
@Timeout(120)
class VssServerHttp2Test {
  @TempDir Path dir;

  @Test
  void overTls_alpnChoosesHttp2_andVssRequestsAreServed() throws Exception {
    VssServerLimitsTest.SelfSigned cert = VssServerLimitsTest.SelfSigned.create(dir);
    try (VssServer server =
        ServerFixtures.server(dir, "h2").tlsPem(cert.chainPem, cert.keyPem).start()) {
      HttpClient h2 =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_2)
              .sslContext(cert.trusting())
              .build();
      putAndGet(h2, server, "tls");
    }
  }

  @Test
  void inClear_anH2cUpgradeLeadsToHttp2_andManyRequestsShareTheConnection() throws Exception {
    try (VssServer server = ServerFixtures.server(dir, "h2c").start()) {
      HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      // the JDK client upgrades on a request without a body; the connection then stays HTTP/2
      HttpResponse<String> health =
          h2c.send(
              HttpRequest.newBuilder(URI.create(root(server) + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(health.body()).isEqualTo("ok");
      putAndGet(h2c, server, "clear");

      List<CompletableFuture<HttpResponse<byte[]>>> puts = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        puts.add(
            h2c.sendAsync(
                put(server, "many", "k" + i, i), HttpResponse.BodyHandlers.ofByteArray()));
      }
      for (CompletableFuture<HttpResponse<byte[]>> p : puts) {
        HttpResponse<byte[]> r = p.get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      }
      for (int i = 0; i < 100; i += 33) {
        assertThat(get(h2c, server, "many", "k" + i).getValue().getValue().byteAt(0))
            .isEqualTo((byte) i);
      }
    }
  }

  /**
   * A body over the limit is refused before it is read; over HTTP/2 that ends its stream only, and
   * the next request on the same connection is served.
   */
  @Test
  void aBodyOverTheLimit_isRefused_andTheConnectionGoesOn() throws Exception {
    try (VssServer server =
        ServerFixtures.server(dir, "limit").maxRequestBytes(64 * 1024).start()) {
      HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      h2c.send(
          HttpRequest.newBuilder(URI.create(root(server) + "/health")).build(),
          HttpResponse.BodyHandlers.discarding());
      HttpResponse<String> tooLarge =
          h2c.send(
              HttpRequest.newBuilder(URI.create(server.baseUrl() + "/putObjects"))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[200 * 1024]))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(tooLarge.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(tooLarge.statusCode()).isEqualTo(413);
      putAndGet(h2c, server, "after");
    }
  }

  /**
   * An HTTP/2 request without content-length (the JDK client sends an empty body so) used to
   * reserve the per-request maximum from the body budget before it was read: with a large upload
   * holding most of the budget, every such request was refused 503. Every body now reserves what
   * arrives: empty ones pass while uploads hold the large bodies' share, a large one of unknown
   * length that does not fit is refused.
   */
  @Test
  void bodiesOfUnknownLength_reserveWhatArrives_notTheMaximum() throws Exception {
    int limit = 400 * 1024;
    try (VssServer server =
            ServerFixtures.server(dir, "unknown")
                .maxRequestBytes(limit)
                .maxBytesInFlight(1024 * 1024)
                .maxBytesInFlightPerAddress(1024 * 1024) // every client here is 127.0.0.1
                .start();
        java.net.Socket first =
            new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.port());
        java.net.Socket second =
            new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.port())) {
      // two uploads that send most of their 400 KiB, then wait: they hold 800 of the 896 KiB
      // large bodies may use
      for (java.net.Socket upload : List.of(first, second)) {
        upload
            .getOutputStream()
            .write(
                ("POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nContent-Length: "
                        + limit
                        + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        upload.getOutputStream().write(new byte[limit - 10 * 1024]);
        upload.getOutputStream().flush();
      }
      HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      h2c.send(
          HttpRequest.newBuilder(URI.create(root(server) + "/health")).build(),
          HttpResponse.BodyHandlers.discarding());
      Thread.sleep(300); // the uploads' bytes are read, their reservations taken
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> empty =
            h2c.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/getObject"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(empty.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400); // read; not a request
      }
      HttpResponse<String> large =
          h2c.send(
              HttpRequest.newBuilder(URI.create(server.baseUrl() + "/putObjects"))
                  .POST(
                      HttpRequest.BodyPublishers.ofInputStream(
                          () -> new java.io.ByteArrayInputStream(new byte[300 * 1024])))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(large.statusCode()).as(large.body()).isEqualTo(503);
      assertThat(large.headers().firstValue("Retry-After")).hasValue("1");
    }
  }

  private static void putAndGet(HttpClient http, VssServer server, String store) throws Exception {
    HttpResponse<byte[]> put =
        http.send(put(server, store, "k", 42), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(put.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.headers().firstValue("vss-protocol-version")).hasValue("0");
    GetObjectResponse got = get(http, server, store, "k");
    assertThat(got.getValue().getVersion()).isEqualTo(1);
    assertThat(got.getValue().getValue().toByteArray()).containsExactly(42);
  }

  private static HttpRequest put(VssServer server, String store, String key, int value) {
    byte[] body =
        PutObjectRequest.newBuilder()
            .setStoreId(store)
            .addTransactionItems(
                KeyValue.newBuilder()
                    .setKey(key)
                    .setVersion(0)
                    .setValue(ByteString.copyFrom(new byte[] {(byte) value})))
            .build()
            .toByteArray();
    return HttpRequest.newBuilder(URI.create(server.baseUrl() + "/putObjects"))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  private static GetObjectResponse get(HttpClient http, VssServer server, String store, String key)
      throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/getObject"))
                .timeout(Duration.ofSeconds(30))
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        GetObjectRequest.newBuilder()
                            .setStoreId(store)
                            .setKey(key)
                            .build()
                            .toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(200);
    return GetObjectResponse.parseFrom(r.body());
  }

  private static String root(VssServer server) {
    String url = server.baseUrl().toString();
    return url.substring(0, url.length() - "/vss".length());
  }
}
