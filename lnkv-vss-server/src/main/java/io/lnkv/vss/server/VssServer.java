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
import org.eclipse.jetty.server.handler.MinimumDataRateHandler;
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
 * an unknown path, a body too large). {@code GET /health} answers 200 while the process serves,
 * without touching the storage; {@code GET /ready} answers 200 when the storage answers too.
 *
 * <p>On Jetty 12 (maintained, Java 17, non-blocking I/O: a slow or idle connection holds no
 * thread). Bounded whatever clients send: headers of at most 16 KiB, a body limit per request
 * (refused with 413 before it is read when its Content-Length is over), a server-wide budget of
 * body bytes in flight (a request waits for room, then gets 503 with Retry-After), a minimum data
 * rate for bodies, an idle timeout per connection and a connection limit. Optional TLS from a PEM
 * certificate and key or a PKCS#12 file. One access line per request at INFO (logger {@code
 * io.lnkv.vss.server.requests}): client address, endpoint, user, store id, item count, status and
 * time, never keys, values or credentials. {@link #close()} stops accepting, lets requests in
 * progress finish (up to the grace period), then closes the storage. Thread-safe.
 */
public final class VssServer implements AutoCloseable {
  /** The protocol version this server speaks, sent in {@code vss-protocol-version}. */
  public static final String PROTOCOL_VERSION = "0";

  private static final Logger log = LoggerFactory.getLogger(VssServer.class);

  private final Server jetty;
  private final ServerConnector connector;
  private final KeyVersionStorage storage;
  private final URI baseUrl;
  private boolean closed; // guarded by this

  private VssServer(Builder b) throws Exception {
    this.storage = b.storage;

    QueuedThreadPool threads = new QueuedThreadPool(b.threads, Math.min(8, b.threads));
    threads.setName("lnkv-vss-server");
    threads.setDaemon(true);
    jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(16 * 1024);
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
    jetty.addBean(new NetworkConnectionLimit(b.maxConnections, jetty));
    BodyBudget budget = new BodyBudget(b.maxBytesInFlight);
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
            new ServerMetrics(budget));
    // a body slower than the minimum rate fails its read (408); responses have no minimum
    jetty.setHandler(
        new GracefulHandler(new MinimumDataRateHandler(vss, b.minRequestBytesPerSecond, 0)));
    jetty.setErrorHandler(new EngineErrors());
    jetty.setStopTimeout(b.grace.toMillis());
    jetty.setStopAtShutdown(false);
    try {
      jetty.start();
    } catch (Exception e) {
      jetty.stop(); // the threads it started
      throw e;
    }
    String host = connector.getHost();
    try {
      host = InetAddress.getByName(host).getHostAddress();
    } catch (IOException e) {
      // keep the name as configured
    }
    this.baseUrl =
        URI.create(
            (tls ? "https://" : "http://")
                + (host.contains(":") ? "[" + host + "]" : host)
                + ":"
                + connector.getLocalPort()
                + "/vss");
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
    return new Builder(storage);
  }

  /** The port it listens on (useful with port 0). */
  public int port() {
    return baseUrl.getPort();
  }

  /** The base URL clients use, {@code http://host:port/vss} (https with TLS). */
  public URI baseUrl() {
    return baseUrl;
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
    storage.close();
    log.info("VSS server on {} stopped", storage.describe());
  }

  /** Builds and starts a {@link VssServer}. Not thread-safe. */
  public static final class Builder {
    private final KeyVersionStorage storage;
    private Authorizer authorizer;
    private String host = "127.0.0.1";
    private int port = 8080;
    private long maxRequestBytes = 64L << 20;
    private long maxBytesInFlight = -1; // default: from the heap, see maxBytesInFlight
    private int maxItems = 1000;
    private int threads = 64;
    private int maxConnections = 10_000;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private long minRequestBytesPerSecond = 1024;
    private Duration grace = Duration.ofSeconds(10);
    private TlsFiles tls;
    private KeyVersionStorage.Quota quota = KeyVersionStorage.Quota.NONE;
    private RequestRate rate;

    private Builder(VssStorage storage) {
      // VssStorage is sealed: every instance is a KeyVersionStorage
      this.storage = (KeyVersionStorage) Objects.requireNonNull(storage, "storage");
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
      return this;
    }

    /**
     * The request-body bytes held at once by all requests together; by default a quarter of the
     * JVM's maximum heap, and never less than {@link #maxRequestBytes}. A request that does not fit
     * is refused at once with 503 and {@code Retry-After: 1}. Bodies of 64 KiB or less are not
     * counted.
     */
    public Builder maxBytesInFlight(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBytesInFlight must be positive, was " + bytes);
      }
      this.maxBytesInFlight = bytes;
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
     * How long a connection may stay silent (no byte either way) before it is closed, 30 s by
     * default; and the slowest body accepted, 1,024 bytes a second by default (a slower body is
     * answered 408).
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
     * maxKeys} keys. A put that would go over fails with {@code INVALID_REQUEST_EXCEPTION} ("Quota
     * exceeded: ...") and applies nothing; removing data is always allowed. Off by default. Puts of
     * one user running at once may together pass the limit by up to their own size.
     */
    public Builder userQuota(long maxBytes, long maxKeys) {
      if (maxBytes < 0 || maxKeys < 0) {
        throw new IllegalArgumentException("a quota must not be negative");
      }
      this.quota = new KeyVersionStorage.Quota(maxBytes, maxKeys);
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
     * Starts the server.
     *
     * @throws IllegalStateException without an authorizer, or with {@link Authorizer#none()} on a
     *     non-loopback address (checked before anything listens)
     * @throws java.io.UncheckedIOException if the address cannot be resolved or bound, or the TLS
     *     files cannot be read
     */
    public VssServer start() {
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
                + " configure JWT or signature authentication, or listen on 127.0.0.1");
      }
      if (maxBytesInFlight < 0) {
        maxBytesInFlight = Math.max(maxRequestBytes, Runtime.getRuntime().maxMemory() / 4);
      } else if (maxBytesInFlight < maxRequestBytes) {
        throw new IllegalArgumentException(
            "maxBytesInFlight ("
                + maxBytesInFlight
                + ") is less than maxRequestBytes ("
                + maxRequestBytes
                + "): a request of the largest size could never be read");
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
          "VSS server listening on {} (storage: {}; bodies up to {} bytes, {} bytes in flight)",
          server.baseUrl(),
          storage.describe(),
          maxRequestBytes,
          maxBytesInFlight);
      return server;
    }
  }
}
