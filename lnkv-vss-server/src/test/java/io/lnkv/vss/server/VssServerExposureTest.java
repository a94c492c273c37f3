package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.vss.VssStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client without credentials could do to keep others out, tried on a server that has already
 * served traffic (some limits used to hold only on a fresh server): trickled headers, connections
 * from one address, trickled bodies, bodies declared and never sent.
 */
class VssServerExposureTest {
  @TempDir Path dir;

  private VssServer.Builder server(String name) {
    return ServerFixtures.server(dir, name);
  }

  /** Serves a few requests, as a server in use has. */
  private static void someTraffic(VssServer server) throws Exception {
    try (VssStore store = ServerFixtures.client(server, "warm").build()) {
      for (int i = 0; i < 20; i++) {
        store.write("p", "", "k" + i, new byte[2000]);
        store.read("p", "", "k" + i);
      }
    }
  }

  private static Socket connect(VssServer server) throws IOException {
    return new Socket(InetAddress.getLoopbackAddress(), server.port());
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  /**
   * Whether the server closed the connection within {@code wait}: a read ends (-1) or fails
   * (reset), rather than timing out. Any response bytes before the end are skipped.
   */
  private static boolean closedWithin(Socket s, Duration wait) throws IOException {
    s.setSoTimeout((int) wait.toMillis());
    InputStream in = s.getInputStream();
    try {
      while (in.read() != -1) {
        // a response (408, say) before the close
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  @Test
  void headersTrickledPastTheDeadline_closeTheConnection() throws Exception {
    try (VssServer server = server("headers").headerTimeout(Duration.ofSeconds(1)).start();
        Socket trickle = connect(server);
        Socket silent = connect(server)) {
      someTraffic(server);
      String request = "POST /vss/getObject HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnop";
      long start = System.nanoTime();
      boolean closed = false;
      // a byte every 100 ms keeps the idle timeout (30 s) from ever firing
      for (int i = 0; i < request.length() && !closed; i++) {
        try {
          send(trickle, request.substring(i, i + 1));
        } catch (IOException e) {
          closed = true;
          break;
        }
        closed = closedWithin(trickle, Duration.ofMillis(100));
      }
      long took = (System.nanoTime() - start) / 1_000_000;
      assertThat(closed).as("closed before the request's headers were done").isTrue();
      assertThat(took).isLessThan(3_000);
      assertThat(closedWithin(silent, Duration.ofSeconds(3)))
          .as("a connection that never sends a request")
          .isTrue();
      someTraffic(server); // others are served meanwhile and after
    }
  }

  @Test
  void connectionsFromOneAddress_areCapped_othersStillServed() throws Exception {
    try (VssServer server = server("per-address").maxConnectionsPerAddress(8).start()) {
      someTraffic(server);
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          held.add(connect(server));
        }
        Thread.sleep(200);
        try (Socket ninth = connect(server)) {
          assertThat(closedWithin(ninth, Duration.ofSeconds(2)))
              .as("a ninth connection from the same address")
              .isTrue();
        }
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      Thread.sleep(1000); // the sweep forgets closed connections
      someTraffic(server);
    }
  }

  @Test
  void aBodyBelowTheMinimumRate_is408_onAServerThatServedTraffic() throws Exception {
    try (VssServer server = server("rate").timeouts(Duration.ofSeconds(30), 1024).start();
        Socket slow = connect(server)) {
      someTraffic(server); // the rate used to be measured against all the server's bytes
      send(slow, "POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab");
      long start = System.nanoTime();
      boolean closed = false;
      for (int i = 0; i < 60 && !closed; i++) { // 10 bytes a second, for up to 6 s
        try {
          send(slow, "x");
        } catch (IOException e) {
          closed = true;
          break;
        }
        closed = closedWithin(slow, Duration.ofMillis(100));
      }
      assertThat(closed).as("a body at 10 bytes a second, minimum 1,024").isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    }
  }

  /**
   * Connections that declare the largest body and send only their headers hold nothing: a real put
   * of most of the limit still fits. Before, each such declaration reserved its full length, and
   * four of them held the whole budget (every large put got 503 for as long as they stayed). Those
   * that send a few bytes and stop are failed by the minimum rate within a few seconds, silent as
   * they are, and their reservations freed.
   */
  @Test
  void bodiesDeclaredButNotSent_holdNoBudget_andStalledOnesAreCut() throws Exception {
    int limit = 1 << 20;
    try (VssServer server =
        server("declared")
            .maxRequestBytes(limit)
            .maxBytesInFlight(4L * limit)
            .maxBytesInFlightPerAddress(4L * limit) // every client here is 127.0.0.1
            .start()) {
      someTraffic(server);
      List<Socket> declared = new ArrayList<>();
      try {
        String headers =
            "POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nContent-Length: " + limit + "\r\n\r\n";
        for (int i = 0; i < 16; i++) { // headers only
          Socket s = connect(server);
          declared.add(s);
          send(s, headers);
        }
        Thread.sleep(300);
        try (VssStore store = ServerFixtures.client(server, "big").build()) {
          byte[] value = new byte[limit / 2];
          store.write("p", "", "large", value);
          assertThat(store.read("p", "", "large")).hasSize(value.length);
        }
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // a few bytes, then silence: they take the large share
          Socket s = connect(server);
          stalled.add(s);
          declared.add(s);
          send(s, headers + "few");
        }
        long start = System.nanoTime();
        for (Socket s : stalled) {
          assertThat(closedWithin(s, Duration.ofSeconds(5))).as("a silent body is cut").isTrue();
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_500);
        try (VssStore store = ServerFixtures.client(server, "big").build()) {
          store.write("p", "", "after", new byte[limit / 2]);
        }
      } finally {
        for (Socket s : declared) {
          s.close();
        }
      }
    }
  }

  /**
   * Requests whose headers came and whose bodies never come are bounded by the budget, whatever the
   * number of connections and HTTP/2 streams: each holds {@link BodyBudget#HEADER_ALLOWANCE} until
   * it is answered, and those beyond the budget are answered 503 at once. Before, every such
   * request was held (HTTP/2: 128 a connection, over 10,000 connections) with nothing counted.
   */
  @Test
  void requestsWaitingForTheirBodies_holdTheirHeadersInTheBudget_overHttp1AndHttp2()
      throws Exception {
    int budget = 64 * BodyBudget.HEADER_ALLOWANCE; // room for 64 requests in progress
    try (VssServer server =
        server("headers-held")
            .maxRequestBytes(4096)
            .maxBytesInFlight(budget)
            .maxBytesInFlightPerAddress(budget)
            .timeouts(Duration.ofSeconds(30), 0) // no minimum rate: they would stay for ever
            .start()) {
      someTraffic(server);
      List<Socket> waiting = new ArrayList<>();
      HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      try {
        for (int i = 0; i < 40; i++) { // HTTP/1.1: whole headers, a body that never comes
          Socket s = connect(server);
          waiting.add(s);
          send(s, "POST /vss/getObject HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
        }
        assertThat(
                h2.send(
                        HttpRequest.newBuilder(server.baseUrl().resolve("/health")).build(),
                        HttpResponse.BodyHandlers.discarding())
                    .version())
            .isEqualTo(HttpClient.Version.HTTP_2);
        for (int i = 0; i < 60; i++) { // HTTP/2: 60 streams on one connection, bodies never sent
          h2.sendAsync(
              HttpRequest.newBuilder(server.baseUrl().resolve("/vss/getObject"))
                  .POST(
                      HttpRequest.BodyPublishers.fromPublisher(
                          never ->
                              never.onSubscribe(
                                  new Flow.Subscription() {
                                    @Override
                                    public void request(long n) {}

                                    @Override
                                    public void cancel() {}
                                  }),
                          1000))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
        }
        // 100 requests wait for bodies and 64 fit: 36 are refused at once (the client does not
        // report a response to a request whose body it has not sent: the server's count says it)
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (busyRefusals(server) < 36 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        Thread.sleep(300); // none more
        assertThat(busyRefusals(server))
            .as("requests beyond the budget's 64, refused at once")
            .isEqualTo(36);
      } finally {
        for (Socket s : waiting) {
          s.close();
        }
      }
    }
  }

  /** The server's count of requests refused as over the budget (503), from its metrics. */
  private static long busyRefusals(VssServer server) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.adminUrl().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return metrics
        .lines()
        .filter(l -> l.startsWith("vss_refusals_total{reason=\"busy\"}"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /**
   * One client address cannot take the whole budget: its requests hold at most their share, and a
   * client at another address is served meanwhile. Here the first address holds a large body open
   * (no minimum rate, as a client keeping just to it would); without the share, three such bodies
   * took the large bodies' whole share and every other client's large put got 503.
   */
  @Test
  void oneAddressHoldingBodiesOpen_cannotTakeTheWholeBudget() throws Exception {
    int limit = 128 * 1024;
    long budget = 1L << 20;
    try (VssServer server =
        server("per-address-budget")
            .maxRequestBytes(limit)
            .maxBytesInFlight(budget)
            .maxBytesInFlightPerAddress(2L * limit + BodyBudget.HEADER_ALLOWANCE)
            .timeouts(Duration.ofSeconds(30), 0)
            .start()) {
      someTraffic(server);
      InetAddress other = InetAddress.getByName("127.0.0.2");
      List<Socket> held = new ArrayList<>();
      int refused = 0;
      try {
        for (int i = 0; i < 4; i++) { // each declares the largest put and sends a few bytes
          Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port(), other, 0);
          held.add(s);
          send(
              s,
              "POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nContent-Length: "
                  + limit
                  + "\r\n\r\nfew");
          if (closedWithin(s, Duration.ofMillis(300))) {
            refused++;
          }
        }
        assertThat(refused).as("the address's share holds one largest put").isEqualTo(3);
        try (VssStore store = ServerFixtures.client(server, "neighbour").build()) {
          store.write("p", "", "large", new byte[100 * 1024]); // from 127.0.0.1
          assertThat(store.read("p", "", "large")).hasSize(100 * 1024);
        }
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  /**
   * An authorizer that fails on its own (a custom one throwing) gets its request answered 503 and
   * its header allowance given back: neither a request left unanswered on a worker thread nor a
   * budget that drains. Before, the request waited for the idle timeout and the allowance leaked.
   */
  @Test
  void anAuthorizerThatThrows_isAnswered503_andHoldsNothing() throws Exception {
    Authorizer failing =
        headers -> {
          if (headers.containsKey("x-boom")) {
            throw new IllegalStateException("the identity service is down");
          }
          return "alice";
        };
    try (VssServer server =
        server("authorizer-fails")
            .authorizer(failing)
            .maxRequestBytes(1024)
            .maxBytesInFlight(3 * BodyBudget.HEADER_ALLOWANCE) // room for 3 requests' headers
            .maxBytesInFlightPerAddress(3 * BodyBudget.HEADER_ALLOWANCE)
            .start()) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest.Builder get =
          HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + "/getObject"))
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]));
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> boom =
            http.send(
                get.copy().header("x-boom", "1").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(boom.statusCode()).isEqualTo(503);
        assertThat(boom.body()).contains("authentication could not be checked");
      }
      HttpResponse<String> after = http.send(get.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(after.statusCode()).as(after.body()).isEqualTo(400); // admitted: not a request
    }
  }

  @Test
  void aShareOfTheBudgetTooSmallForOneLargestRequest_isRefusedAtCheck() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                VssServer.builder()
                    .authorizer(Authorizer.none())
                    .maxRequestBytes(1 << 20)
                    .maxBytesInFlight(64L << 20)
                    .maxBytesInFlightPerAddress(1 << 20)
                    .check())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("could never send a put of the largest size")
        .hasMessageContaining("Raise it to " + (2 * (1 << 20) + BodyBudget.HEADER_ALLOWANCE));
  }

  @Test
  void aRequestLimitTheBudgetCannotHold_isRefusedBeforeAnythingIsMade_withWhatToDo() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                VssServer.builder()
                    .authorizer(Authorizer.none())
                    .maxRequestBytes(64L << 20)
                    .maxBytesInFlight(64L << 20)
                    .check())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be held")
        .hasMessageContaining("Lower the request limit to");
  }

  @Test
  void logText_cannotStartALine() {
    assertThat(LogText.printable("alice\nINFO forged")).isEqualTo("alice\\u000aINFO forged");
    assertThat(LogText.printable("a\rb\u2028c\u0085d\\e")).doesNotContain("\r", "\u2028", "\u0085");
    assertThat(LogText.printable("x".repeat(500))).hasSize(203);
    assertThat(LogText.printable("store-1")).isEqualTo("store-1");
  }
}
