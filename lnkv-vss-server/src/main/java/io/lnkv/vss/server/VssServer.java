package io.lnkv.vss.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VSS-compatible server (the protocol of reference §1–2, as the current Rust vss-server answers
 * it): {@code POST <base>/vss/{getObject, putObjects, deleteObject, listKeyVersions}} with protobuf
 * bodies; newest-first listing with decimal page tokens and an empty token on the last page; at
 * most {@link Builder#maxItemsPerPut} items per put; all-or-nothing puts answered 409 on any
 * version conflict; {@code global_version}; {@code vss-protocol-version: 0} on every response;
 * {@code ErrorResponse} bodies, plain text where vss-server answers plain text (an unparsable body,
 * an unknown path, a body too large). The public port serves the VSS API only ({@code GET /health}
 * too when {@link Builder#publicHealth} asks); an optional admin listener ({@link
 * Builder#adminListener}) serves {@code /health}, {@code /ready} and {@code /metrics}.
 *
 * <p>On Jetty 12 (maintained, Java 17, non-blocking I/O: a slow or idle connection holds no
 * thread). Bounded whatever clients send: headers of at most 16 KiB that must arrive within a
 * deadline, a body limit per request (refused with 413 before it is read when its Content-Length is
 * over), a server-wide budget of body bytes counted as they arrive (503 with Retry-After when
 * spent), a minimum data rate per body, an idle timeout per connection, a cap of connections per
 * client address and a connection limit. Optional TLS from a PEM certificate and key or a PKCS#12
 * file. One access line per request at INFO (logger {@code io.lnkv.vss.server.requests}): client
 * address, endpoint, user, store id, item count, status and time, never keys, values or
 * credentials; client-supplied fields escaped so that none can start a line.
 *
 * <p>Long because its {@link Builder} documents every limit a host sets (each option's default,
 * what it costs, what it refuses); the work is in {@link VssHandler}, {@link BodyReader}, {@link
 * BodyBudget}, {@link ConnectionGuard} and the storage classes. {@link #close()} stops accepting,
 * lets requests in progress finish (up to the grace period), then closes the storage. Thread-safe.
 */
public final class VssServer implements AutoCloseable {
  /** The protocol version this server speaks, sent in {@code vss-protocol-version}. */
  public static final String PROTOCOL_VERSION = "0";

  private static final Logger log = LoggerFactory.getLogger(VssServer.class);

  private final Server jetty;
  private final ServerConnector connector;
  private final ServerConnector admin; // null: no admin listener
  private final KeyVersionStorage storage;
  private final AccessLog accessLog;
  private final URI baseUrl;
  private final URI adminUrl; // null: no admin listener
  private boolean closed; // guarded by this

  private VssServer(Builder b) throws Exception {
    this.storage = b.storage;

    QueuedThreadPool threads = new QueuedThreadPool(b.threads, Math.min(8, b.threads));
    threads.setName("lnkv-vss-server");
    threads.setDaemon(true);
    jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(BodyBudget.HEADER_ALLOWANCE); // HTTP/1.1 and HTTP/2 alike
    boolean tls = b.tls != null;
    // HTTP/2 beside HTTP/1.1: over TLS chosen by ALPN (clients such as reqwest, which ldk-node's
    // VSS client uses, pick h2 when offered), in clear by prior knowledge or an h2c upgrade. The
    // same handler, limits and budget serve both; h2 adds its own limits below.
    if (tls) {
      http.addCustomizer(new SecureRequestCustomizer());
      ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
      alpn.setDefaultProtocol("http/1.1"); // a client that offers no ALPN
      connector =
          new ServerConnector(
              jetty,
              new SslConnectionFactory(b.tls.contextFactory(), alpn.getProtocol()),
              alpn,
              http2(new HTTP2ServerConnectionFactory(http), b),
              new HttpConnectionFactory(http));
    } else {
      connector =
          new ServerConnector(
              jetty,
              new HttpConnectionFactory(http),
              http2(new HTTP2CServerConnectionFactory(http), b));
    }
    connector.setHost(b.host);
    connector.setPort(b.port);
    connector.setIdleTimeout(b.idleTimeout.toMillis());
    jetty.addConnector(connector);
    // the public connector only: a full public side leaves the admin listener reachable
    jetty.addBean(new NetworkConnectionLimit(b.maxConnections, connector));
    BodyBudget budget = new BodyBudget(b.effectiveBudget, b.effectivePerAddress);
    ServerMetrics metrics = new ServerMetrics(budget);
    accessLog = new AccessLog(metrics);
    ConnectionGuard guard =
        new ConnectionGuard(b.maxConnectionsPerAddress, b.headerTimeout.toMillis(), metrics);
    connector.addBean(guard); // a Connection.Listener of every connection it makes
    jetty.addBean(guard); // started and stopped with the server
    if (b.adminHost != null) {
      admin = new ServerConnector(jetty, new HttpConnectionFactory(adminHttp()));
      admin.setHost(b.adminHost);
      admin.setPort(b.adminPort);
      admin.setIdleTimeout(b.idleTimeout.toMillis());
      jetty.addConnector(admin);
    } else {
      admin = null;
    }
    VssHandler vss =
        new VssHandler(
            storage,
            b.authorizer,
            b.maxItems,
            b.maxRequestBytes,
            budget,
            threads,
            b.quota,
            b.rate,
            metrics,
            accessLog,
            guard,
            b.minRequestBytesPerSecond,
            b.publicHealth);
    AdminHandler adminHandler = new AdminHandler(storage, metrics);
    jetty.setHandler(new GracefulHandler(new ByConnector(admin, adminHandler, vss, threads)));
    jetty.setErrorHandler(new EngineErrors());
    jetty.setStopTimeout(b.grace.toMillis());
    jetty.setStopAtShutdown(false);
    try {
      jetty.start();
    } catch (Exception e) {
      jetty.stop(); // the threads it started
      accessLog.close();
      throw e;
    }
    this.baseUrl = URI.create((tls ? "https://" : "http://") + hostPort(connector) + "/vss");
    this.adminUrl = admin == null ? null : URI.create("http://" + hostPort(admin) + "/");
  }

  private static String hostPort(ServerConnector c) {
    String host = c.getHost();
    try {
      host = InetAddress.getByName(host).getHostAddress();
    } catch (IOException e) {
      // keep the name as configured
    }
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + c.getLocalPort();
  }

  private static HttpConfiguration adminHttp() {
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(8 * 1024);
    return http;
  }

  /**
   * Requests on the admin listener go to its handler, on a worker thread (it asks the storage), all
   * others to the VSS one. Non-blocking, as {@link VssHandler} is.
   */
  private static final class ByConnector extends org.eclipse.jetty.server.Handler.Wrapper {
    private final ServerConnector admin;
    private final AdminHandler adminHandler;
    private final java.util.concurrent.Executor threads;

    ByConnector(
        ServerConnector admin,
        AdminHandler adminHandler,
        VssHandler vss,
        java.util.concurrent.Executor threads) {
      super(vss);
      this.admin = admin;
      this.adminHandler = adminHandler; // no lifecycle of its own: called from here only
      this.threads = threads;
    }

    @Override
    public boolean handle(
        org.eclipse.jetty.server.Request request,
        org.eclipse.jetty.server.Response response,
        org.eclipse.jetty.util.Callback callback)
        throws Exception {
      if (admin != null && request.getConnectionMetaData().getConnector() == admin) {
        threads.execute(
            () -> {
              try {
                if (!adminHandler.handle(request, response, callback)) {
                  org.eclipse.jetty.server.Response.writeError(request, response, callback, 404);
                }
              } catch (Exception | Error e) {
                callback.failed(e);
              }
            });
        return true;
      }
      return super.handle(request, response, callback);
    }
  }

  /**
   * HTTP/2's own limits: at most 128 requests in flight per connection (each still within the body
   * budget), and a stream idle as long as a connection may be. Jetty's defaults guard the rest
   * (frame rates, as against rapid-reset floods; header table sizes).
   */
  private static AbstractHTTP2ServerConnectionFactory http2(
      AbstractHTTP2ServerConnectionFactory h2, Builder b) {
    h2.setMaxConcurrentStreams(128);
    h2.setStreamIdleTimeout(b.idleTimeout.toMillis());
    return h2;
  }

  /** A builder for a server on {@code storage}. */
  public static Builder builder(VssStorage storage) {
    return new Builder().storage(storage);
  }

  /**
   * A builder whose storage is given later ({@link Builder#storage}): {@link Builder#check} can
   * then refuse a configuration before any storage is created.
   */
  public static Builder builder() {
    return new Builder();
  }

  private static final long DEFAULT_MAX_REQUEST_BYTES = 64L << 20;

  /** The port it listens on (useful with port 0). */
  public int port() {
    return baseUrl.getPort();
  }

  /** The base URL clients use, {@code http://host:port/vss} (https with TLS). */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * The admin listener's URL, {@code http://host:port/} ({@code /health}, {@code /ready}, {@code
   * /metrics}); null without one.
   */
  public URI adminUrl() {
    return adminUrl;
  }

  /**
   * Stops accepting connections, waits up to the grace period for requests in progress, then closes
   * the storage. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      jetty.stop(); // graceful: in-flight requests finish, up to the stop timeout
    } catch (Exception e) {
      log.warn("VSS server on {}: stopping the HTTP engine failed: {}", baseUrl(), e.toString());
    }
    accessLog.close(); // the lines of the requests that finished, unless the output is stalled
    storage.close();
    log.info("VSS server on {} stopped", storage.describe());
  }

  /** Builds and starts a {@link VssServer}. Not thread-safe. */
  public static final class Builder {
    private KeyVersionStorage storage;
    private Authorizer authorizer;
    private String host = "127.0.0.1";
    private int port = 8080;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private boolean maxRequestBytesSet;
    private int maxConnectionsPerAddress = 256;
    private Duration headerTimeout = Duration.ofSeconds(10);
    private String adminHost;
    private int adminPort;
    private boolean publicHealth;
    private long maxBytesInFlight = -1; // default: from the heap, see maxBytesInFlight
    private long effectiveBudget; // set by check()
    private long maxBytesInFlightPerAddress = -1; // default: see maxBytesInFlightPerAddress
    private long effectivePerAddress; // set by check()
    private int maxItems = 1000;
    private int threads = 64;
    private int maxConnections = 10_000;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private long minRequestBytesPerSecond = 1024;
    private Duration grace = Duration.ofSeconds(10);
    private TlsFiles tls;
    private KeyVersionStorage.Quota quota = KeyVersionStorage.Quota.NONE;
    private RequestRate rate;

    private Builder() {}

    /** The storage to serve; required before {@link #start}. */
    public Builder storage(VssStorage storage) {
      // VssStorage is sealed: every instance is a KeyVersionStorage
      this.storage = (KeyVersionStorage) Objects.requireNonNull(storage, "storage");
      return this;
    }

    /** The address to listen on; 127.0.0.1 by default. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port; 8080 by default, 0 for any free port. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** How requests are authenticated; required (use {@link Authorizer#none()} explicitly). */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /**
     * The largest request body accepted; 64 MiB by default. vss-server accepts up to 1 GiB, but a
     * Lightning node's largest values (channel monitors) are megabytes, and every byte of a body is
     * held in memory while it is handled: 64 MiB is generous for one put and keeps the server's
     * memory bounded by the budget ({@link #maxBytesInFlight}). Larger bodies get 413, refused
     * before they are read when their Content-Length says so.
     */
    public Builder maxRequestBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxRequestBytes must be positive, was " + bytes);
      }
      this.maxRequestBytes = bytes;
      this.maxRequestBytesSet = true;
      return this;
    }

    /**
     * The request bytes held at once by all requests together; by default a quarter of the JVM's
     * maximum heap. Every request in progress holds 16 KiB for its line and headers (the most they
     * may take) until it is answered, and its body is counted from its first byte as it arrives, a
     * put's twice (its values are copied once as the storage takes them); a request that does not
     * fit is refused at once with 503 and {@code Retry-After: 1}. So the requests in progress, over
     * every connection and HTTP/2 stream, are at most the budget over 16 KiB (4,096 for 64 MiB).
     * The bytes of bodies that declare more than 64 KiB use at most seven eighths of it, so that
     * large uploads cannot starve small requests; the requests of one client address, at most
     * {@link #maxBytesInFlightPerAddress}.
     */
    public Builder maxBytesInFlight(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBytesInFlight must be positive, was " + bytes);
      }
      this.maxBytesInFlight = bytes;
      return this;
    }

    /**
     * The part of the bytes-in-flight budget ({@link #maxBytesInFlight}) that the requests of one
     * client address (for IPv6, one /64, which a single host is commonly given) may hold together;
     * by default a quarter of the budget, or what one request of the largest size needs if that is
     * more. Beyond it, requests from that address get 503 until some of theirs are answered, so
     * that one host cannot hold the whole budget (with bodies sent just within the minimum rate,
     * say). Behind a reverse proxy or load balancer every request comes from its address: set this
     * to the budget there, and limit clients at the proxy.
     */
    public Builder maxBytesInFlightPerAddress(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException(
            "maxBytesInFlightPerAddress must be positive, was " + bytes);
      }
      this.maxBytesInFlightPerAddress = bytes;
      return this;
    }

    /** Most items (puts and deletes) in one putObjects; 1000 by default (vss-server's). */
    public Builder maxItemsPerPut(int items) {
      this.maxItems = items;
      return this;
    }

    /** Request-handling threads at most; 64 by default. Connections do not hold a thread. */
    public Builder threads(int threads) {
      if (threads < 2) {
        throw new IllegalArgumentException("threads must be at least 2, was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** Open connections at most; 10,000 by default. Beyond it, new connections wait. */
    public Builder maxConnections(int connections) {
      this.maxConnections = connections;
      return this;
    }

    /**
     * Open connections from one client address (for IPv6, one /64) at most; 256 by default. One
     * more is closed as soon as it opens. Generous because many wallets can share an address (a
     * carrier's NAT); its point is that one host cannot hold every connection the server allows.
     */
    public Builder maxConnectionsPerAddress(int connections) {
      if (connections < 1) {
        throw new IllegalArgumentException(
            "maxConnectionsPerAddress must be positive, was " + connections);
      }
      this.maxConnectionsPerAddress = connections;
      return this;
    }

    /**
     * How long a request's line and headers may take to arrive (from the connection's opening, TLS
     * handshake included, or from its first bytes after the previous request); 10 s by default. A
     * connection past it is closed.
     */
    public Builder headerTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("headerTimeout must be positive, was " + timeout);
      }
      this.headerTimeout = timeout;
      return this;
    }

    /**
     * Serves {@code GET /health}, {@code /ready} and {@code /metrics} on a listener of their own,
     * plain HTTP without authentication: keep it on a loopback or private address. Without it those
     * endpoints are not served (the public port serves the VSS API only).
     */
    public Builder adminListener(String host, int port) {
      this.adminHost = Objects.requireNonNull(host, "host");
      this.adminPort = port;
      return this;
    }

    /**
     * Also answers {@code GET /health} on the public port (for a load balancer); off by default.
     */
    public Builder publicHealth(boolean on) {
      this.publicHealth = on;
      return this;
    }

    /**
     * How long a connection may stay silent (no byte either way) before it is closed, 30 s by
     * default; and the slowest body accepted, 1,024 bytes a second by default, measured per request
     * after a grace of 2 s (a slower body is answered 408).
     */
    public Builder timeouts(Duration idle, long minRequestBytesPerSecond) {
      this.idleTimeout = Objects.requireNonNull(idle, "idle");
      this.minRequestBytesPerSecond = minRequestBytesPerSecond;
      return this;
    }

    /** How long {@link #close()} waits for requests in progress; 10 s by default. */
    public Builder shutdownGrace(Duration grace) {
      this.grace = Objects.requireNonNull(grace, "grace");
      return this;
    }

    /**
     * Limits what each user may keep, over all their stores: {@code maxBytes} of values and {@code
     * maxKeys} keys (every row counts, each store's {@code global_version} included). A put that
     * would go over fails with {@code INVALID_REQUEST_EXCEPTION} ("Quota exceeded: ...") and
     * applies nothing; removing data is always allowed. Off by default. The check costs one row
     * update per put, however much the user holds, and is exact under concurrent puts.
     */
    public Builder userQuota(long maxBytes, long maxKeys) {
      return userQuota(maxBytes, maxKeys, quota.maxStores());
    }

    /** {@link #userQuota(long, long)}, and at most {@code maxStores} store ids per user. */
    public Builder userQuota(long maxBytes, long maxKeys, long maxStores) {
      if (maxBytes < 0 || maxKeys < 0 || maxStores < 0) {
        throw new IllegalArgumentException("a quota must not be negative");
      }
      this.quota = new KeyVersionStorage.Quota(maxBytes, maxKeys, maxStores);
      return this;
    }

    /**
     * Limits each user's requests to {@code perSecond} on average, with bursts of {@code burst};
     * beyond it a request gets 429 with {@code Retry-After}. Off by default. Counted per server
     * process: behind a load balancer, N instances allow up to N times the rate.
     */
    public Builder userRequestRate(double perSecond, int burst) {
      this.rate = new RequestRate(perSecond, burst);
      return this;
    }

    /**
     * Serves HTTPS with the certificate chain and private key of two PEM files (the key
     * unencrypted, PKCS#8 or the older RSA/EC forms).
     */
    public Builder tlsPem(Path certificateChain, Path privateKey) {
      this.tls = TlsFiles.pem(certificateChain, privateKey);
      return this;
    }

    /** Serves HTTPS with the key and certificate chain of a PKCS#12 file. */
    public Builder tlsPkcs12(Path file, char[] password) {
      this.tls = TlsFiles.pkcs12(file, password);
      return this;
    }

    /**
     * Checks the configuration without any I/O but a name lookup: what {@link #start} would refuse
     * before listening, refused here before anything (a storage, a socket) is made.
     *
     * @throws IllegalStateException without an authorizer, or with {@link Authorizer#none()} on a
     *     non-loopback address
     * @throws IllegalArgumentException if the largest request cannot fit the bytes-in-flight budget
     * @throws java.io.UncheckedIOException if the address cannot be resolved
     */
    public Builder check() {
      if (authorizer == null) {
        throw new IllegalStateException(
            "VssServer needs an authorizer (Authorizer.none() for none)");
      }
      InetAddress address;
      try {
        address = InetAddress.getByName(host);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("Cannot resolve " + host + ": " + e.getMessage(), e);
      }
      if (authorizer == Authorizer.NONE && !address.isLoopbackAddress()) {
        throw new IllegalStateException(
            "Refusing to serve without authentication on "
                + host
                + ", which is not a loopback address;"
                + " configure JWT or signature authentication, or listen on 127.0.0.1."
                + " Nothing was created");
      }
      long heap = Runtime.getRuntime().maxMemory();
      long budget = maxBytesInFlight > 0 ? maxBytesInFlight : heap / 4;
      long largest = new BodyBudget(budget, budget).largestBody() / 2; // a put is held twice
      if (maxRequestBytes > largest) {
        if (maxRequestBytesSet || maxBytesInFlight > 0) {
          throw new IllegalArgumentException(
              "A request body of "
                  + maxRequestBytes
                  + " bytes cannot be held: a put is counted twice in the "
                  + budget
                  + "-byte budget of bytes in flight"
                  + (maxBytesInFlight > 0 ? "" : " (a quarter of the " + heap + "-byte heap)")
                  + ", of which at most seven eighths for large bodies. Lower the request limit to "
                  + largest
                  + " or less, or raise the budget"
                  + (maxBytesInFlight > 0 ? "" : " (or the heap, -Xmx)"));
        }
        log.warn(
            "The default request limit of {} bytes does not fit this heap's budget of bytes in"
                + " flight ({} bytes): requests are limited to {} bytes. Raise the heap (-Xmx) to"
                + " accept larger ones",
            maxRequestBytes,
            budget,
            largest);
        maxRequestBytes = largest;
      }
      // one request of the largest size from an address: its put held twice, and its headers
      long oneRequest = 2 * maxRequestBytes + BodyBudget.HEADER_ALLOWANCE;
      if (maxBytesInFlightPerAddress > 0 && maxBytesInFlightPerAddress < oneRequest) {
        throw new IllegalArgumentException(
            "A client address allowed "
                + maxBytesInFlightPerAddress
                + " bytes in flight could never send a put of the largest size ("
                + maxRequestBytes
                + " bytes, counted twice, plus "
                + BodyBudget.HEADER_ALLOWANCE
                + " for its headers). Raise it to "
                + oneRequest
                + " or more, or lower the request limit");
      }
      effectivePerAddress =
          Math.min(
              budget,
              maxBytesInFlightPerAddress > 0
                  ? maxBytesInFlightPerAddress
                  : Math.max(budget / 4, oneRequest));
      effectiveBudget = budget;
      return this;
    }

    /**
     * Starts the server, after {@link #check}.
     *
     * @throws IllegalStateException without an authorizer or a storage, or with {@link
     *     Authorizer#none()} on a non-loopback address (checked before anything listens)
     * @throws IllegalArgumentException if the largest request cannot fit the budget
     * @throws java.io.UncheckedIOException if the address cannot be resolved or bound, or the TLS
     *     files cannot be read
     */
    public VssServer start() {
      check();
      if (storage == null) {
        throw new IllegalStateException("VssServer needs a storage (Builder.storage)");
      }
      VssServer server;
      try {
        server = new VssServer(this);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(
            "Cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
      } catch (Exception e) {
        throw new IllegalStateException(
            "Cannot start the VSS server on " + host + ":" + port + ": " + e, e);
      }
      if (authorizer == Authorizer.NONE) {
        log.warn(
            "VSS server without authentication on {}: every client is user '{}' and sees every"
                + " store",
            server.baseUrl(),
            Authorizer.UNAUTHENTICATED_USER);
      }
      log.info(
          "VSS server listening on {} (storage: {}; bodies up to {} bytes, {} bytes in flight, {}"
              + " per client address; admin {})",
          server.baseUrl(),
          storage.describe(),
          maxRequestBytes,
          effectiveBudget,
          effectivePerAddress,
          server.adminUrl() == null ? "none" : server.adminUrl());
      return server;
    }
  }
}
