package io.lnkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.vss.VssSignatures;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code lnkv serve} in its own JVM with a small heap (-Xmx160m), 8 MiB bodies and signature
 * authentication (as a wallet host runs it: anyone can make a key pair, so every attacker here is
 * an authenticated user of their own): 64 clients sending maximum-size bodies at once (512 MiB if
 * all were held), 2,000 HTTP/1.1 connections idle or stopped in their headers or right after them
 * (each declaring a 1 MiB body it never sends), and 1,000 HTTP/2 streams whose bodies never come
 * must leave it serving, with no OutOfMemoryError, while a normal client's requests pass. The
 * stalled requests come from two addresses (127.0.0.1 for HTTP/2, 127.0.0.2 for HTTP/1.1), the
 * uploads from a third and the normal client from a fourth: each address holds at most its share of
 * the budget, every request in progress its headers' allowance. Before bodies were counted as they
 * arrive, each stalled request held a 64 KiB buffer from its headers on (2,000 of them: 125 MiB
 * outside the budget). The peak RSS and heap are logged (the README's figures).
 */
class ServeMemoryTest {
  @TempDir Path tmp;

  @Test
  void aSmallHeapServerSurvivesMaximumBodiesAndStalledConnections() throws Exception {
    int body = 8 << 20;
    Path log = tmp.resolve("serve.log");
    ServeProcess serve =
        ServeProcess.start(
            List.of("-Xmx160m", "-XX:+ExitOnOutOfMemoryError"),
            List.of(
                "--storage",
                "sqlite:" + tmp.resolve("vss.sqlite"),
                "--auth",
                "signatures",
                "--max-request-bytes",
                Integer.toString(body),
                "--max-bytes-in-flight",
                Integer.toString(8 * body),
                "--max-connections-per-address", // the attackers here have one address each
                "10000",
                "--public-health"),
            log);
    Process server = serve.process;
    int port = serve.port;
    URI base = serve.base;
    InetAddress attacker = InetAddress.getByName("127.0.0.2");
    InetAddress uploader = InetAddress.getByName("127.0.0.3");
    InetAddress neighbour = InetAddress.getByName("127.0.0.4");
    List<Socket> stalled = new ArrayList<>();
    List<HttpClient> h2 = new ArrayList<>();
    ExecutorService senders = Executors.newFixedThreadPool(64);
    try {
      for (int i = 0; i < 2000; i++) { // idle, half-sent headers, whole headers and no body
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port, attacker, 0);
        String sent =
            switch (i % 3) {
              case 0 -> "POST /vss/getObject HTTP/1.1\r\nHost: x\r\n";
              case 1 ->
                  "POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nAuthorization: "
                      + signature()
                      + "\r\nContent-Length: 1000000\r\n\r\n";
              default -> "";
            };
        s.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
        stalled.add(s);
      }
      for (int c = 0; c < 10; c++) { // 10 connections of 100 streams whose bodies never come
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        h2.add(client);
        HttpResponse<String> upgraded =
            client.send(
                HttpRequest.newBuilder(base.resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upgraded.version()).isEqualTo(HttpClient.Version.HTTP_2);
        String user = signature(); // a key pair of the connection's own
        for (int i = 0; i < 100; i++) {
          client.sendAsync(
              HttpRequest.newBuilder(base.resolve("/vss/putObjects"))
                  .header("Authorization", user)
                  .POST(
                      HttpRequest.BodyPublishers.fromPublisher(
                          never ->
                              never.onSubscribe(
                                  new java.util.concurrent.Flow.Subscription() {
                                    @Override
                                    public void request(long n) {}

                                    @Override
                                    public void cancel() {}
                                  }),
                          1_000_000))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
        }
      }
      List<Future<String>> uploads = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        uploads.add(senders.submit(() -> upload(port, uploader, body)));
      }
      for (int i = 0; i < 20; i++) { // meanwhile a normal client is served
        assertThat(smallRequest(port, neighbour))
            .as("a small request during the uploads")
            .isEqualTo("HTTP/1.1 400 Bad Request"); // read, and not valid protobuf
      }
      List<String> answers = new ArrayList<>();
      for (Future<String> f : uploads) {
        answers.add(f.get(2, TimeUnit.MINUTES));
      }
      assertThat(server.isAlive()).as("no OutOfMemoryError: %s", Files.readString(log)).isTrue();
      assertThat(answers).contains("HTTP/1.1 400 Bad Request"); // read (and not valid protobuf)
      serve.awaitStatus(HttpClient.newHttpClient(), "/health", 200);
      LoggerFactory.getLogger(ServeMemoryTest.class)
          .info(
              "lnkv serve -Xmx160m after 64 x 8 MiB uploads, 2,000 stalled connections and"
                  + " 1,000 stalled HTTP/2 streams: {};"
                  + " answers {}",
              memory(server.pid()),
              answers.stream()
                  .collect(
                      java.util.stream.Collectors.groupingBy(
                          a -> a, java.util.stream.Collectors.counting())));
    } finally {
      senders.shutdownNow();
      for (Socket s : stalled) {
        s.close();
      }
      serve.close();
    }
  }

  /** A fresh signature-authentication header: a key pair of its own, so a user of its own. */
  private static String signature() {
    byte[] secret = new byte[32];
    new java.security.SecureRandom().nextBytes(secret);
    secret[0] = (byte) Math.min(secret[0] & 0xff, 0x7f); // below the curve order
    secret[31] |= 1; // not zero
    return VssSignatures.authorization(secret, java.time.Instant.now().getEpochSecond());
  }

  /** Sends one maximum-size body; returns the status line, or how the connection ended. */
  private static String upload(int port, InetAddress from, int body) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port, from, 0)) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nAuthorization: "
                  + signature()
                  + "\r\nContent-Length: "
                  + body
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[1 << 20];
      for (int sent = 0; sent < body; sent += chunk.length) {
        out.write(chunk);
      }
      out.flush();
      return statusLine(s);
    } catch (java.io.IOException e) {
      return "closed"; // refused (503) and cut while still sending
    }
  }

  /** An authenticated request with an empty body (400: not a valid request); its status line. */
  private static String smallRequest(int port, InetAddress from) throws java.io.IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port, from, 0)) {
      s.getOutputStream()
          .write(
              ("POST /vss/getObject HTTP/1.1\r\nHost: x\r\nAuthorization: "
                      + signature()
                      + "\r\nContent-Length: 0\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return statusLine(s);
    }
  }

  private static String statusLine(Socket s) throws java.io.IOException {
    s.setSoTimeout(60_000);
    StringBuilder line = new StringBuilder();
    for (int c = s.getInputStream().read(); c != -1 && c != '\r'; c = s.getInputStream().read()) {
      line.append((char) c);
    }
    return line.toString();
  }

  /** Peak resident set and current heap use of a process, from /proc (Linux). */
  private static String memory(long pid) throws Exception {
    Path status = Path.of("/proc/" + pid + "/status");
    if (!Files.exists(status)) {
      return "(no /proc)";
    }
    String rss =
        Files.readAllLines(status).stream()
            .filter(l -> l.startsWith("VmHWM") || l.startsWith("VmRSS"))
            .map(l -> l.replaceAll("\\s+", " "))
            .collect(java.util.stream.Collectors.joining(", "));
    return rss;
  }
}
