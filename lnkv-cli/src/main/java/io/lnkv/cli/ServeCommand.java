package io.lnkv.cli;

import io.lnkv.vss.server.Authorizer;
import io.lnkv.vss.server.VssServer;
import io.lnkv.vss.server.VssStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lnkv serve}: a VSS-compatible server until interrupted (SIGINT/SIGTERM). */
@Command(
    name = "serve",
    description =
        "Run a VSS-compatible server (LDK's Versioned Storage Service protocol) until interrupted;"
            + " on SIGINT or SIGTERM it finishes the requests in progress and stops. Options may"
            + " come from a file too: lnkv serve @serve.conf (options and values separated by"
            + " spaces or new lines, # starts a comment line; later options override earlier"
            + " ones, so flags after the file override it).")
final class ServeCommand extends LnkvCommand {
  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = "Address to listen on (default 127.0.0.1:8080).")
  String listen = "127.0.0.1:8080";

  @Option(
      names = "--admin-listen",
      paramLabel = "HOST:PORT",
      description =
          "Address of the admin listener, which serves /health, /ready and /metrics in plain HTTP"
              + " without authentication (default: 127.0.0.1 on any free port, printed at start;"
              + " give a port to scrape it; 'none' for no admin listener). Keep it off the"
              + " internet.")
  String adminListen;

  @Option(
      names = "--public-health",
      description = "Also answer GET /health on the public port (for a load balancer).")
  boolean publicHealth;

  @Option(
      names = "--max-connections-per-address",
      paramLabel = "N",
      description =
          "Open connections from one client address (IPv6: one /64) at most (default 256); more"
              + " are closed as they open.")
  int maxConnectionsPerAddress = 256;

  @Option(
      names = "--header-timeout",
      paramLabel = "SECONDS",
      description =
          "Seconds a request's line and headers may take to arrive, TLS handshake included"
              + " (default 10); a slower connection is closed.")
  int headerTimeoutSeconds = 10;

  @Option(
      names = "--storage",
      paramLabel = "URI",
      description =
          "sqlite:PATH (default sqlite:vss.sqlite) or jdbc:postgresql://host[:port]/db?user=...")
  String storage = "sqlite:vss.sqlite";

  @Option(
      names = "--auth",
      paramLabel = "KIND",
      description =
          "none (loopback only), jwt (RS256 or ES256, needs --jwt-public-key) or signatures"
              + " (default: none).")
  String auth = "none";

  @Option(
      names = "--jwt-public-key",
      paramLabel = "PEM",
      description =
          "The key that signs the JWTs: a PEM public key or certificate, RSA (2048 bits or more,"
              + " RS256) or EC P-256 (ES256).")
  Path jwtPublicKey;

  @Option(
      names = "--jwt-jwks-url",
      paramLabel = "URL",
      description =
          "Instead of --jwt-public-key: the JWKS document of the keys that sign the JWTs"
              + " (https:, http: or file:), as identity providers publish it; cached for 5"
              + " minutes and fetched again at once (at most every 30 s) when a token names a key"
              + " id it does not hold, so keys rotate without a restart.")
  String jwtJwksUrl;

  @Option(
      names = "--jwt-jwks-file",
      paramLabel = "FILE",
      description = "Instead of --jwt-public-key: a JWKS file, read again as --jwt-jwks-url is.")
  Path jwtJwksFile;

  @Option(
      names = "--jwt-algorithm",
      paramLabel = "ALG",
      description = "Pin the JWT algorithm: RS256 or ES256 (default: the key's).")
  io.lnkv.vss.server.JwtAuthorizer.Algorithm jwtAlgorithm;

  @Option(
      names = "--jwt-issuer",
      paramLabel = "ISS",
      description = "Require this iss claim (default: not checked).")
  String jwtIssuer;

  @Option(
      names = "--jwt-audience",
      paramLabel = "AUD",
      description = "Require this aud claim (default: tokens with an aud claim are refused).")
  String jwtAudience;

  @Option(
      names = "--max-request-bytes",
      paramLabel = "N",
      description =
          "Largest request body (default 64 MiB; vss-server allows 1 GiB). A larger one gets 413"
              + " before it is read. Refused when the budget of bytes in flight cannot hold it.")
  Long maxRequestBytes;

  @Option(
      names = "--max-bytes-in-flight",
      paramLabel = "N",
      description =
          "Request bytes held at once by all requests, 16 KiB for each one's headers and its"
              + " body as it arrives (default: a quarter of the heap); a request beyond it gets"
              + " 503 with Retry-After.")
  Long maxBytesInFlight;

  @Option(
      names = "--max-bytes-in-flight-per-address",
      paramLabel = "N",
      description =
          "Of those, the bytes the requests of one client address (IPv6: one /64) may hold"
              + " (default: a quarter of the budget, or one largest request if more). Behind a"
              + " proxy or load balancer, set it to the budget.")
  Long maxBytesInFlightPerAddress;

  @Option(
      names = "--user-max-bytes",
      paramLabel = "N",
      description =
          "Most bytes of values one user may keep over all their stores (default: no limit);"
              + " a put beyond it fails and applies nothing.")
  Long userMaxBytes;

  @Option(
      names = "--user-max-keys",
      paramLabel = "N",
      description = "Most keys one user may keep over all their stores (default: no limit).")
  Long userMaxKeys;

  @Option(
      names = "--user-max-stores",
      paramLabel = "N",
      description = "Most store ids one user may have (default: no limit).")
  Long userMaxStores;

  @Option(
      names = "--user-rate",
      paramLabel = "PER_SECOND",
      description =
          "Requests per second one user may send on average, in bursts of 10 times that"
              + " (default: no limit); beyond it 429 with Retry-After. Counted per process.")
  Double userRate;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description = "Serve HTTPS with this certificate chain (PEM); needs --tls-key.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      description = "The certificate's private key (PEM, unencrypted: PKCS#8 or RSA/EC).")
  Path tlsKey;

  @Option(
      names = "--tls-pkcs12",
      paramLabel = "FILE",
      description =
          "Serve HTTPS with the key and chain of a PKCS#12 file; its password is read from the"
              + " environment variable LNKV_TLS_PASSWORD (never from the command line).")
  Path tlsPkcs12;

  @Option(
      names = "--max-items",
      paramLabel = "N",
      description = "Most items in one putObjects (default 1000).")
  int maxItems = 1000;

  /** The servers running in this JVM; {@link #stopAll()} (for tests) stops them. */
  private static final Set<CountDownLatch> RUNNING = ConcurrentHashMap.newKeySet();

  /** Stops every {@code lnkv serve} running in this JVM, as a signal would. */
  static void stopAll() {
    RUNNING.forEach(CountDownLatch::countDown);
  }

  @Override
  public Integer call() throws Exception {
    int colon = listen.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + listen + "'");
    }
    String host = listen.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + listen + "'");
    }
    // Everything that can refuse the configuration runs before a socket is bound or a file made.
    Authorizer authorizer = authorizer();
    VssServer.Builder builder =
        VssServer.builder()
            .host(host)
            .port(port)
            .authorizer(authorizer)
            .maxItemsPerPut(maxItems)
            .maxConnectionsPerAddress(maxConnectionsPerAddress)
            .headerTimeout(java.time.Duration.ofSeconds(headerTimeoutSeconds))
            .publicHealth(publicHealth);
    if (maxRequestBytes != null) {
      builder.maxRequestBytes(maxRequestBytes);
    }
    if (maxBytesInFlight != null) {
      builder.maxBytesInFlight(maxBytesInFlight);
    }
    if (maxBytesInFlightPerAddress != null) {
      builder.maxBytesInFlightPerAddress(maxBytesInFlightPerAddress);
    }
    String[] admin = adminAddress();
    if (admin != null) {
      builder.adminListener(admin[0], Integer.parseInt(admin[1]));
    }
    tls(builder);
    if (userMaxBytes != null || userMaxKeys != null || userMaxStores != null) {
      builder.userQuota(
          userMaxBytes == null ? Long.MAX_VALUE : userMaxBytes,
          userMaxKeys == null ? Long.MAX_VALUE : userMaxKeys,
          userMaxStores == null ? Long.MAX_VALUE : userMaxStores);
    }
    if (userRate != null) {
      builder.userRequestRate(userRate, (int) Math.max(1, Math.ceil(userRate * 10)));
    }
    builder.check();
    checkAddressFree(host, port);
    if (admin != null) {
      checkAddressFree(admin[0], Integer.parseInt(admin[1]));
    }
    VssStorage store = storage();
    VssServer server;
    try {
      server = builder.storage(store).start();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    Thread hook = new Thread(server::close, "lnkv-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    output()
        .result(
            Map.of(
                "url",
                server.baseUrl().toString(),
                "admin",
                server.adminUrl() == null ? "none" : server.adminUrl().toString(),
                "storage",
                store.describe(),
                "auth",
                auth),
            "lnkv serve: VSS on "
                + server.baseUrl()
                + " (storage "
                + store.describe()
                + ", auth "
                + auth
                + "; admin "
                + (server.adminUrl() == null ? "none" : server.adminUrl())
                + "); stop with Ctrl-C");
    CountDownLatch stop = new CountDownLatch(1);
    RUNNING.add(stop);
    try {
      stop.await();
    } finally {
      RUNNING.remove(stop);
      server.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs (close is idempotent)
      }
    }
    return ExitCode.OK;
  }

  /** The admin listener's host and port, or null for none. */
  private String[] adminAddress() {
    if (adminListen == null) {
      return new String[] {"127.0.0.1", "0"}; // never in the way of another server's port
    }
    if (adminListen.equals("none")) {
      return null;
    }
    int colon = adminListen.lastIndexOf(':');
    try {
      int adminPort = Integer.parseInt(adminListen.substring(colon + 1));
      if (colon > 0 && adminPort >= 0 && adminPort < 65536) {
        return new String[] {adminListen.substring(0, colon), Integer.toString(adminPort)};
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(
        "--admin-listen must be HOST:PORT or none, got '" + adminListen + "'");
  }

  /** The JWT keys: one PEM key, or a JWKS document by URL or file; exactly one of them. */
  private io.lnkv.vss.server.JwtAuthorizer.Builder jwtKeys() throws IOException {
    int given =
        (jwtPublicKey != null ? 1 : 0)
            + (jwtJwksUrl != null ? 1 : 0)
            + (jwtJwksFile != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalArgumentException(
          "--auth jwt needs one of --jwt-public-key PEM, --jwt-jwks-url URL or --jwt-jwks-file"
              + " FILE");
    }
    if (jwtPublicKey != null) {
      return Authorizer.jwt(
          new String(
              SmallFile.read(jwtPublicKey, "JWT public key file", 64 << 10, "a PEM public key"),
              StandardCharsets.US_ASCII));
    }
    if (jwtJwksFile != null) {
      if (!Files.isRegularFile(jwtJwksFile)) {
        throw new IllegalArgumentException(
            "Cannot read the JWKS file " + jwtJwksFile + ": no such regular file");
      }
      return Authorizer.jwks(jwtJwksFile.toAbsolutePath().toUri().toURL());
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(jwtJwksUrl);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("--jwt-jwks-url is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!List.of("https", "http", "file").contains(scheme) || uri.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "--jwt-jwks-url must be an https:, http: or file: URL without user info, got '"
              + io.lnkv.internal.Secrets.mask(jwtJwksUrl)
              + "'");
    }
    return Authorizer.jwks(uri.toURL());
  }

  private void tls(VssServer.Builder builder) {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (tlsCert != null && tlsPkcs12 != null) {
      throw new IllegalArgumentException("--tls-cert/--tls-key or --tls-pkcs12, not both");
    }
    if (tlsCert != null) {
      builder.tlsPem(tlsCert, tlsKey);
    } else if (tlsPkcs12 != null) {
      String password = System.getenv("LNKV_TLS_PASSWORD");
      builder.tlsPkcs12(tlsPkcs12, password == null ? new char[0] : password.toCharArray());
    }
  }

  /**
   * Fails before the storage is created or opened when the address cannot be bound (in use, or not
   * this host's): a refused serve leaves no file behind. The server binds again right after.
   */
  private static void checkAddressFree(String host, int port) {
    if (port == 0) {
      return;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new java.net.InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new io.lnkv.StoreException(
          "Cannot listen on "
              + host
              + ":"
              + port
              + ": "
              + (e.getMessage() != null ? e.getMessage() : e.toString())
              + " (is another server there?); choose another --listen. Nothing was created");
    }
  }

  private VssStorage storage() {
    String lower = storage.toLowerCase(Locale.ROOT);
    if (lower.startsWith("sqlite:")) {
      return VssStorage.sqlite(Path.of(storage.substring("sqlite:".length())));
    }
    if (lower.startsWith("jdbc:postgresql:")) {
      return VssStorage.postgres(storage);
    }
    throw new IllegalArgumentException(
        "--storage must be sqlite:PATH or jdbc:postgresql://host[:port]/db, got '"
            + io.lnkv.internal.Secrets.mask(storage)
            + "'");
  }

  private Authorizer authorizer() throws IOException {
    switch (auth) {
      case "none":
        return Authorizer.none();
      case "signatures":
        return Authorizer.signatures(Clock.systemUTC());
      case "jwt":
        io.lnkv.vss.server.JwtAuthorizer.Builder jwt = jwtKeys();
        if (jwtAlgorithm != null) {
          jwt.algorithm(jwtAlgorithm);
        }
        if (jwtIssuer != null) {
          jwt.issuer(jwtIssuer);
        }
        if (jwtAudience != null) {
          jwt.audience(jwtAudience);
        }
        try {
          return jwt.build();
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(jwtPublicKey + ": " + e.getMessage(), e);
        }
      default:
        throw new IllegalArgumentException(
            "--auth must be none, jwt or signatures, got '" + auth + "'");
    }
  }
}
