package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.vss.VssStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile or unlucky client can do to lnkv serve, over real sockets on 127.0.0.1: stall
 * connections, announce huge bodies, send many large bodies at once; and TLS with a real client.
 */
class VssServerLimitsTest {
  @TempDir Path dir;

  private VssServer.Builder server(String name) {
    return ServerFixtures.server(dir, name);
  }

  private static VssStore.Builder client(VssServer server, String store) {
    return ServerFixtures.client(server, store);
  }

  /** Sends raw bytes and returns the status line of the answer (or what ended the wait). */
  private static String statusLine(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString();
  }

  @Test
  void aBodyOverTheLimit_isRefusedBeforeItIsSent() throws Exception {
    try (VssServer server = server("limit").maxRequestBytes(1 << 20).start();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nContent-Length: 700000000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush(); // and never a byte of the 700 MB
      assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 413 Payload Too Large");
    }
  }

  @Test
  void theEnginesOwnErrors_carryTheProtocolVersion_andEchoNothing() throws Exception {
    // a strict client requires vss-protocol-version on every response: without it a retryable
    // answer (a 503 while the server stops) reads as an incompatible server
    try (VssServer server = server("engine").start();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /vss/getObject HTTP/1.1\r\nHost: x\r\nX-Big: "
                  + "s3cr3t".repeat(4000)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      socket.setSoTimeout(10_000);
      String answer =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer)
          .startsWith("HTTP/1.1 431")
          .containsIgnoringCase("vss-protocol-version: 0")
          .doesNotContain("s3cr3t")
          .doesNotContainIgnoringCase("<html");
    }
  }

  @Test
  void aRequestRefusedBeforeItsBodyIsRead_closesTheConnection() throws Exception {
    // else the unread body stands between this answer and the next request, and a client that
    // reuses the connection finds it closed under it ("header parser received no bytes")
    try (VssServer server =
            server("refused")
                .authorizer(Authorizer.signatures(java.time.Clock.systemUTC()))
                .start();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          "POST /vss/getObject HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[100]);
      out.flush();
      socket.setSoTimeout(10_000);
      String head =
          new String(socket.getInputStream().readNBytes(300), StandardCharsets.ISO_8859_1);
      assertThat(head).startsWith("HTTP/1.1 401").containsIgnoringCase("Connection: close");
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES) // a server held by slow clients never answers
  void stalledAndTricklingConnections_doNotStopOtherClients() throws Exception {
    try (VssServer server = server("slow").threads(16).start()) {
      List<Socket> slow = new ArrayList<>();
      ExecutorService tricklers = Executors.newFixedThreadPool(4);
      try {
        for (int i = 0; i < 200; i++) {
          Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
          slow.add(s);
          String start =
              i % 2 == 0
                  ? "POST /vss/getObject HTTP/1.1\r\nHost: x\r\nX-Half" // stalls in its headers
                  : "POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
          s.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
        }
        for (int t = 0; t < 4; t++) { // and some send a byte now and then, forever
          int first = t;
          tricklers.submit(
              () -> {
                for (int round = 0; !Thread.currentThread().isInterrupted(); round++) {
                  for (int i = first; i < slow.size(); i += 4) {
                    try {
                      slow.get(i).getOutputStream().write('a');
                    } catch (IOException e) {
                      // the server closed it: fine
                    }
                  }
                  Thread.sleep(200);
                }
                return null;
              });
        }
        try (VssStore store = client(server, "normal").build()) {
          for (int i = 0; i < 50; i++) {
            store.write("p", "", "k" + i, new byte[] {(byte) i});
            assertThat(store.read("p", "", "k" + i)).containsExactly((byte) i);
          }
        }
      } finally {
        tricklers.shutdownNow();
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  @Test
  void manyLargeBodiesAtOnce_waitForTheBudgetOrGet503_andSmallRequestsStillPass() throws Exception {
    int body = 1 << 20;
    try (VssServer server =
        server("budget")
            .maxRequestBytes(body)
            .maxBytesInFlight(4L * body)
            .maxBytesInFlightPerAddress(4L * body) // every client here is 127.0.0.1
            .start()) {
      ConcurrentMap<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
      ExecutorService senders = Executors.newFixedThreadPool(64);
      List<Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        sent.add(
            senders.submit(
                () -> {
                  try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                    OutputStream out = s.getOutputStream();
                    out.write(
                        ("POST /vss/putObjects HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                + body
                                + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] half = new byte[body / 2];
                    out.write(half);
                    Thread.sleep(1000); // hold the server's budget a while
                    out.write(half);
                    out.flush();
                    statuses
                        .computeIfAbsent(statusLine(s), k -> new AtomicInteger())
                        .incrementAndGet();
                  } catch (IOException e) {
                    // the server may close a refused upload before it is all sent
                    statuses
                        .computeIfAbsent(
                            "closed: " + e.getClass().getSimpleName(), k -> new AtomicInteger())
                        .incrementAndGet();
                  }
                  return null;
                }));
      }
      try (VssStore store = client(server, "small").build()) {
        for (int i = 0; i < 20; i++) { // meanwhile a normal client's small requests pass
          store.write("p", "", "k" + i, new byte[100]);
          store.read("p", "", "k" + i);
        }
      }
      for (Future<?> f : sent) {
        f.get(60, TimeUnit.SECONDS);
      }
      senders.shutdown();
      // The bodies are not valid protobuf: those read are answered 400. The others were refused
      // with 503 (the server then closes the connection, so a client still sending its body
      // sees the connection reset rather than the answer). Without the budget all 64 are read.
      int read = statuses.getOrDefault("HTTP/1.1 400 Bad Request", new AtomicInteger()).get();
      assertThat(statuses.keySet())
          .as("answers: %s", statuses)
          .allMatch(
              s ->
                  s.equals("HTTP/1.1 503 Service Unavailable")
                      || s.equals("HTTP/1.1 400 Bad Request")
                      || s.startsWith("closed"));
      assertThat(read)
          .as("bodies read at once, within a 4-body budget: %s", statuses)
          .isBetween(1, 8);
    }
  }

  @Test
  void tls_fromPemFiles_servesAVssClientThatTrustsTheCertificate() throws Exception {
    SelfSigned cert = SelfSigned.create(dir);
    try (VssServer server = server("tls").tlsPem(cert.chainPem, cert.keyPem).start()) {
      assertThat(server.baseUrl().getScheme()).isEqualTo("https");
      try (VssStore store = client(server, "tls").sslContext(cert.trusting()).build()) {
        store.write("p", "", "k", new byte[] {42});
        assertThat(store.read("p", "", "k")).containsExactly((byte) 42);
      }
      // a client that does not trust it is refused by TLS, not served in clear
      HttpClient plain = HttpClient.newHttpClient();
      HttpRequest health = HttpRequest.newBuilder(URI.create(base(server) + "/health")).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> plain.send(health, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }
  }

  @Test
  void tls_fromPkcs12() throws Exception {
    SelfSigned cert = SelfSigned.create(dir);
    char[] password = "secret".toCharArray();
    KeyStore p12 = KeyStore.getInstance("PKCS12");
    p12.load(null, null);
    p12.setKeyEntry("server", cert.keys.getPrivate(), password, new X509Certificate[] {cert.cert});
    Path file = dir.resolve("server.p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      p12.store(out, password);
    }
    try (VssServer server = server("p12").tlsPkcs12(file, password).start();
        VssStore store = client(server, "p12").sslContext(cert.trusting()).build()) {
      store.write("p", "", "k", new byte[] {7});
      assertThat(store.read("p", "", "k")).containsExactly((byte) 7);
    }
  }

  @Test
  void health_answersWithoutTheStorage_readyDoesNot() throws Exception {
    VssStorage storage = VssStorage.sqlite(dir.resolve("ready.sqlite"));
    try (VssServer server =
        VssServer.builder(storage)
            .port(0)
            .authorizer(Authorizer.none())
            .adminListener("127.0.0.1", 0)
            .start()) {
      HttpClient http = HttpClient.newHttpClient();
      assertThat(admin(http, server, "/health")).isEqualTo(200);
      assertThat(admin(http, server, "/ready")).isEqualTo(200);
      storage.close(); // the storage fails from now on
      assertThat(admin(http, server, "/health")).isEqualTo(200);
      Thread.sleep(1100); // readiness is checked at most once a second
      assertThat(admin(http, server, "/ready")).isEqualTo(503);
    }
  }

  private static int admin(HttpClient http, VssServer server, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(server.adminUrl().resolve(path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static int get(HttpClient http, VssServer server, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base(server) + path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static String base(VssServer server) {
    String url = server.baseUrl().toString();
    return url.substring(0, url.length() - "/vss".length());
  }

  /** A self-signed certificate for 127.0.0.1, its key, and their PEM files. */
  static final class SelfSigned {
    final KeyPair keys;
    final X509Certificate cert;
    final Path chainPem;
    final Path keyPem;

    private SelfSigned(KeyPair keys, X509Certificate cert, Path chainPem, Path keyPem) {
      this.keys = keys;
      this.cert = cert;
      this.chainPem = chainPem;
      this.keyPem = keyPem;
    }

    static SelfSigned create(Path dir) throws Exception {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      KeyPair keys = generator.generateKeyPair();
      X500Name name = new X500Name("CN=127.0.0.1");
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              BigInteger.valueOf(now.toEpochMilli()),
              Date.from(now.minusSeconds(60)),
              Date.from(now.plus(Duration.ofDays(1))),
              name,
              keys.getPublic());
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
      X509Certificate cert =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
      Path chain = dir.resolve("chain.pem");
      Path key = dir.resolve("key.pem");
      try (JcaPEMWriter w = new JcaPEMWriter(Files.newBufferedWriter(chain))) {
        w.writeObject(cert);
      }
      try (JcaPEMWriter w = new JcaPEMWriter(Files.newBufferedWriter(key))) {
        // PKCS#8 ("PRIVATE KEY"), as openssl genpkey and certbot write it
        w.writeObject(
            new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null));
      }
      return new SelfSigned(keys, cert, chain, key);
    }

    SSLContext trusting() throws Exception {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("server", cert);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    }
  }
}
