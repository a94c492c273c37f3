package io.lnkv.vss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lnkv.ConflictException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.vss.wire.ErrorCode;
import io.lnkv.vss.wire.ErrorResponse;
import io.lnkv.vss.wire.GetObjectResponse;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.PutObjectRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client against servers that misbehave — 500s, timeouts, dropped connections, plain-text
 * errors, a missing protocol-version header — over real HTTP on 127.0.0.1: what is retried, what is
 * not, and the error the caller finally gets.
 */
class VssClientFaultTest {
  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  @FunctionalInterface
  interface Handler {
    void handle(HttpExchange ex, int n) throws Exception;
  }

  private URI serve(Handler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/vss/",
        ex -> {
          try {
            ex.getRequestBody().readAllBytes();
            handler.handle(ex, requests.incrementAndGet());
          } catch (Exception e) {
            throw new IOException(e);
          } finally {
            ex.close();
          }
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/vss");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static VssClient client(
      URI url, int attempts, Duration timeout, ProtocolVersionCheck check) {
    return new VssClient(
        new VssClient.Settings(
            url,
            VssHeaderProvider.none(),
            check,
            timeout,
            attempts,
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            Duration.ofMillis(5)));
  }

  private static VssClient client(URI url, int attempts) {
    return client(url, attempts, Duration.ofSeconds(5), ProtocolVersionCheck.STRICT);
  }

  private static void reply(HttpExchange ex, int status, byte[] body, boolean versionHeader)
      throws IOException {
    if (versionHeader) {
      ex.getResponseHeaders().set("vss-protocol-version", "0");
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] error(ErrorCode code, String message) {
    return ErrorResponse.newBuilder().setErrorCode(code).setMessage(message).build().toByteArray();
  }

  private static byte[] value(String v) {
    return GetObjectResponse.newBuilder()
        .setValue(
            KeyValue.newBuilder()
                .setKey("k")
                .setVersion(3)
                .setValue(com.google.protobuf.ByteString.copyFromUtf8(v)))
        .build()
        .toByteArray();
  }

  @Test
  void serverErrors_areRetried_untilOneSucceeds() throws Exception {
    URI url =
        serve(
            (ex, n) -> {
              if (n < 3) {
                reply(ex, 500, error(ErrorCode.INTERNAL_SERVER_EXCEPTION, "boom"), true);
              } else {
                reply(ex, 200, value("v"), true);
              }
            });
    assertThat(client(url, 10).getObject("s", "k"))
        .get()
        .extracting(KeyValue::getVersion)
        .isEqualTo(3L);
    assertThat(requests).hasValue(3);
  }

  @Test
  void persistentServerErrors_giveUpAfterTheAttempts_withTheLastError() throws Exception {
    URI url =
        serve((ex, n) -> reply(ex, 503, "upstream down".getBytes(StandardCharsets.UTF_8), true));
    assertThatThrownBy(() -> client(url, 4).getObject("s", "k"))
        .isInstanceOf(VssException.class)
        .hasMessageContaining("failed after 4 attempts")
        .hasMessageContaining("503")
        .hasMessageContaining("upstream down")
        .satisfies(e -> assertThat(((VssException) e).httpStatus()).isEqualTo(503));
    assertThat(requests).hasValue(4);
  }

  @Test
  void timeouts_areRetried_thenReported() throws Exception {
    URI url = serve((ex, n) -> Thread.sleep(1500));
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                client(url, 2, Duration.ofMillis(300), ProtocolVersionCheck.STRICT)
                    .getObject("s", "k"))
        .isInstanceOf(VssException.class)
        .hasMessageContaining("failed after 2 attempts")
        .hasMessageContaining("timed out")
        .satisfies(e -> assertThat(((VssException) e).httpStatus()).isZero());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void droppedConnections_areRetried_thenReported() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket socket = new ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket s = socket.accept()) {
                    accepted.incrementAndGet();
                    s.getInputStream().read(new byte[64]); // then hang up without answering
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      URI url = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/vss");
      assertThatThrownBy(() -> client(url, 3).getObject("s", "k"))
          .isInstanceOf(VssException.class)
          .hasMessageContaining("failed after 3 attempts")
          .hasMessageContaining("IOException");
      assertThat(accepted.get()).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void conflict_notFound_invalid_auth_areNotRetried() throws Exception {
    URI url =
        serve(
            (ex, n) -> {
              switch (n) {
                case 1 ->
                    reply(ex, 409, error(ErrorCode.CONFLICT_EXCEPTION, "version mismatch"), true);
                case 2 -> reply(ex, 404, error(ErrorCode.NO_SUCH_KEY_EXCEPTION, "no key"), true);
                case 3 -> reply(ex, 400, error(ErrorCode.INVALID_REQUEST_EXCEPTION, "bad"), true);
                case 4 -> reply(ex, 401, error(ErrorCode.AUTH_EXCEPTION, "who are you"), true);
                default ->
                    reply(ex, 400, "Error parsing request".getBytes(StandardCharsets.UTF_8), true);
              }
            });
    VssClient c = client(url, 10);
    assertThatThrownBy(
            () ->
                c.putObjects(
                    PutObjectRequest.newBuilder().setStoreId("s").build(), VssClient.UNGUARDED))
        .isInstanceOf(ConflictException.class);
    assertThat(c.getObject("s", "k")).isEmpty();
    assertThatThrownBy(() -> c.getObject("s", "k"))
        .isInstanceOf(VssException.class)
        .satisfies(
            e ->
                assertThat(((VssException) e).serverErrorCode())
                    .hasValue(ErrorCode.INVALID_REQUEST_EXCEPTION.name()));
    assertThatThrownBy(() -> c.getObject("s", "k"))
        .isInstanceOf(VssException.class)
        .hasMessageContaining("authentication");
    assertThatThrownBy(() -> c.getObject("s", "k"))
        .isInstanceOf(VssException.class)
        .hasMessageContaining("Error parsing request");
    assertThat(requests).as("one request each, no retries").hasValue(5);
  }

  @Test
  void missingProtocolVersion_isRefusedWhenStrict_andAcceptedWhenLenient() throws Exception {
    URI url = serve((ex, n) -> reply(ex, 200, value("v"), false));
    assertThatThrownBy(() -> client(url, 10).getObject("s", "k"))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("vss-protocol-version")
        .hasMessageContaining("LENIENT");
    assertThat(requests).as("not retried").hasValue(1);
    assertThat(
            client(url, 10, Duration.ofSeconds(5), ProtocolVersionCheck.LENIENT)
                .getObject("s", "k"))
        .isPresent();
  }

  @Test
  void headerProviders_sendTheirHeaders_onEveryAttempt() throws Exception {
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    URI url =
        serve(
            (ex, n) -> {
              seen.add(
                  ex.getRequestHeaders().getFirst("Authorization")
                      + "|"
                      + ex.getRequestHeaders().getFirst("X-Api-Key"));
              reply(ex, n == 1 ? 500 : 200, n == 1 ? new byte[0] : value("v"), true);
            });
    VssHeaderProvider headers =
        VssHeaderProvider.bearer(() -> "jwt" + seen.size())
            .and(VssHeaderProvider.fixed(java.util.Map.of("X-Api-Key", "k1")));
    new VssClient(
            new VssClient.Settings(
                url,
                headers,
                ProtocolVersionCheck.STRICT,
                Duration.ofSeconds(5),
                3,
                Duration.ofSeconds(5),
                Duration.ofMillis(1),
                Duration.ofMillis(1)))
        .getObject("s", "k");
    assertThat(seen).containsExactly("Bearer jwt0|k1", "Bearer jwt1|k1");
  }

  @Test
  void anotherProtocolVersion_isRefusedEvenWhenLenient() throws Exception {
    URI url =
        serve(
            (ex, n) -> {
              ex.getResponseHeaders().set("vss-protocol-version", "1");
              reply(ex, 200, value("v"), false);
            });
    assertThatThrownBy(
            () ->
                client(url, 10, Duration.ofSeconds(5), ProtocolVersionCheck.LENIENT)
                    .getObject("s", "k"))
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("vss-protocol-version: 1");
  }
}
