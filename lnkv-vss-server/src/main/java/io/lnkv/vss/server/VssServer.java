package io.lnkv.vss.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lnkv.ConflictException;
import io.lnkv.vss.wire.DeleteObjectRequest;
import io.lnkv.vss.wire.DeleteObjectResponse;
import io.lnkv.vss.wire.ErrorCode;
import io.lnkv.vss.wire.ErrorResponse;
import io.lnkv.vss.wire.GetObjectRequest;
import io.lnkv.vss.wire.GetObjectResponse;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsRequest;
import io.lnkv.vss.wire.PutObjectRequest;
import io.lnkv.vss.wire.PutObjectResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Why this file is long (~520 lines): the four VSS operations, the HTTP mechanics of the JDK's
// server and the Builder. It is due to be rewritten on a maintained HTTP engine (issue 15), which
// is when the HTTP mechanics leave it; splitting it before that would be wasted.
/**
 * A VSS-compatible server (the protocol of reference §1–2, as the current Rust vss-server answers
 * it): {@code POST <base>/vss/{getObject, putObjects, deleteObject, listKeyVersions}} with protobuf
 * bodies; newest-first listing with decimal page tokens and an empty token on the last page; at
 * most {@link Builder#maxItemsPerPut} items per put; all-or-nothing puts answered 409 on any
 * version conflict; {@code global_version}; {@code vss-protocol-version: 0} on every response; a
 * request-size limit (413); {@code ErrorResponse} bodies, plain text where vss-server answers plain
 * text (an unparsable body, an unknown path, a body too large). {@code GET /health} answers 200
 * when the storage answers.
 *
 * <p>Requests are logged at DEBUG (logger {@code io.lnkv.vss.server.requests}) with endpoint, user,
 * store id, item count, status and time, never keys or values. {@link #close()} stops accepting,
 * lets requests in progress finish (up to the grace period), then closes the storage. Thread-safe.
 */
public final class VssServer implements AutoCloseable {
  /** The protocol version this server speaks, sent in {@code vss-protocol-version}. */
  public static final String PROTOCOL_VERSION = "0";

  private static final Logger log = LoggerFactory.getLogger(VssServer.class);
  private static final Logger requests = LoggerFactory.getLogger("io.lnkv.vss.server.requests");
  private static final int MAX_PAGE_SIZE = 100;

  static {
    // The JDK server writes a response's headers and body separately; with Nagle's algorithm on,
    // the body then waits for the client's delayed ACK (~40 ms a request). Read once, when the
    // JDK's server classes load; a value set by the application is kept.
    System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer http;
  private final ExecutorService workers;
  private final KeyVersionStorage storage;
  private final Authorizer authorizer;
  private final long maxRequestBytes;
  private final int maxItems;
  private final Duration grace;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closed;

  private VssServer(Builder b) throws IOException {
    this.storage = b.storage;
    this.authorizer = b.authorizer;
    this.maxRequestBytes = b.maxRequestBytes;
    this.maxItems = b.maxItems;
    this.grace = b.grace;
    this.http = HttpServer.create(new InetSocketAddress(b.host, b.port), 128);
    this.workers =
        Executors.newFixedThreadPool(
            b.threads, io.lnkv.internal.DaemonThreads.named("lnkv-vss-server"));
    http.setExecutor(workers);
    http.createContext("/vss/", this::handleVss);
    http.createContext("/health", this::handleHealth);
    http.createContext("/", ex -> plain(ex, 400, "Invalid request path"));
    http.start();
  }

  /** A builder for a server on {@code storage}. */
  public static Builder builder(VssStorage storage) {
    return new Builder(storage);
  }

  /** The port it listens on (useful with port 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** The base URL clients use, {@code http://host:port/vss}. */
  public URI baseUrl() {
    InetSocketAddress a = http.getAddress();
    String host = a.getAddress().getHostAddress();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/vss");
  }

  // ---- requests -----------------------------------------------------------------------------

  private void handleHealth(HttpExchange ex) throws IOException {
    try {
      storage.get(Authorizer.UNAUTHENTICATED_USER, "", VssStorage.GLOBAL_VERSION_KEY);
      plain(ex, 200, "ok");
    } catch (RuntimeException e) {
      log.warn("health check: storage {} fails: {}", storage.describe(), e.toString());
      plain(ex, 503, "storage unavailable");
    }
  }

  private void handleVss(HttpExchange ex) throws IOException {
    long start = System.nanoTime();
    String endpoint = ex.getRequestURI().getPath().substring("/vss/".length());
    inFlight.incrementAndGet();
    if (closed) {
      inFlight.decrementAndGet();
      plain(ex, 503, "Server shutting down");
      ex.close();
      return;
    }
    String user = "-";
    String storeId = "-";
    int items = 0;
    int status;
    try {
      if (!List.of("getObject", "putObjects", "deleteObject", "listKeyVersions")
          .contains(endpoint)) {
        status = plain(ex, 400, "Invalid request path");
        return;
      }
      if (!"POST".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "POST");
        status = plain(ex, 405, "Method not allowed; VSS requests are POSTs");
        return;
      }
      try {
        user = authorizer.authorize(lowerCaseHeaders(ex));
      } catch (Authorizer.Refused e) {
        status =
            error(ex, 401, ErrorCode.AUTH_EXCEPTION, "Authentication failed: " + e.getMessage());
        return;
      }
      byte[] body = readBody(ex);
      if (body == null) {
        status = plain(ex, 413, "Request body too large (limit " + maxRequestBytes + " bytes)");
        return;
      }
      try {
        switch (endpoint) {
          case "getObject" -> {
            GetObjectRequest r = GetObjectRequest.parseFrom(body);
            storeId = r.getStoreId();
            status = get(ex, user, r);
          }
          case "putObjects" -> {
            PutObjectRequest r = PutObjectRequest.parseFrom(body);
            storeId = r.getStoreId();
            items = r.getTransactionItemsCount() + r.getDeleteItemsCount();
            status = put(ex, user, r);
          }
          case "deleteObject" -> {
            DeleteObjectRequest r = DeleteObjectRequest.parseFrom(body);
            storeId = r.getStoreId();
            items = 1;
            status = delete(ex, user, r);
          }
          default -> {
            ListKeyVersionsRequest r = ListKeyVersionsRequest.parseFrom(body);
            storeId = r.getStoreId();
            status = list(ex, user, r);
          }
        }
      } catch (InvalidProtocolBufferException e) {
        status = plain(ex, 400, "Error parsing request");
      } catch (Invalid e) {
        status = error(ex, 400, ErrorCode.INVALID_REQUEST_EXCEPTION, e.getMessage());
      } catch (ConflictException e) {
        status =
            error(ex, 409, ErrorCode.CONFLICT_EXCEPTION, "Version conflict: " + e.getMessage());
      } catch (RuntimeException e) {
        // No stack trace and no driver message as is: SQL drivers quote the failed statement
        // with its parameters, which are the client's (encrypted) values.
        log.error(
            "VSS {} for store '{}' failed in {}: {}",
            endpoint,
            storeId,
            storage.describe(),
            withoutValues(e));
        status =
            error(ex, 500, ErrorCode.INTERNAL_SERVER_EXCEPTION, "Unknown Server Error occurred.");
      }
    } finally {
      inFlight.decrementAndGet();
      ex.close();
    }
    requests.debug(
        "{} user={} store={} items={} status={} {}us",
        endpoint,
        user,
        storeId,
        items,
        status,
        (System.nanoTime() - start) / 1000);
  }

  /** A request that breaks a rule of the protocol: 400 INVALID_REQUEST_EXCEPTION. */
  private static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private int get(HttpExchange ex, String user, GetObjectRequest r) throws IOException {
    checkStoreAndKey(r.getStoreId(), null);
    if (r.getKey().isEmpty() || r.getKey().length() > 600) {
      throw new Invalid("key must be 1 to 600 characters");
    }
    var kv = storage.get(user, r.getStoreId(), r.getKey());
    if (kv.isEmpty()) {
      return error(ex, 404, ErrorCode.NO_SUCH_KEY_EXCEPTION, "Requested key not found.");
    }
    return ok(ex, GetObjectResponse.newBuilder().setValue(kv.get()).build());
  }

  private int put(HttpExchange ex, String user, PutObjectRequest r) throws IOException {
    int count = r.getTransactionItemsCount() + r.getDeleteItemsCount();
    if (count > maxItems) {
      throw new Invalid("Too many items in one request: " + count + ", at most " + maxItems);
    }
    checkStoreAndKey(r.getStoreId(), null);
    for (KeyValue kv : r.getTransactionItemsList()) {
      checkStoreAndKey(r.getStoreId(), kv.getKey());
    }
    for (KeyValue kv : r.getDeleteItemsList()) {
      checkStoreAndKey(r.getStoreId(), kv.getKey());
    }
    storage.put(
        user,
        r.getStoreId(),
        r.hasGlobalVersion() ? r.getGlobalVersion() : null,
        r.getTransactionItemsList(),
        r.getDeleteItemsList());
    return ok(ex, PutObjectResponse.getDefaultInstance());
  }

  private int delete(HttpExchange ex, String user, DeleteObjectRequest r) throws IOException {
    if (!r.hasKeyValue()) {
      throw new Invalid("DeleteObjectRequest without key_value");
    }
    checkStoreAndKey(r.getStoreId(), r.getKeyValue().getKey());
    storage.delete(user, r.getStoreId(), r.getKeyValue());
    return ok(ex, DeleteObjectResponse.getDefaultInstance());
  }

  private int list(HttpExchange ex, String user, ListKeyVersionsRequest r) throws IOException {
    checkStoreAndKey(r.getStoreId(), null);
    int pageSize = r.hasPageSize() ? r.getPageSize() : MAX_PAGE_SIZE;
    if (pageSize < 0) {
      throw new Invalid("page_size must not be negative");
    }
    try {
      return ok(
          ex,
          storage.list(
              user,
              r.getStoreId(),
              r.hasKeyPrefix() ? r.getKeyPrefix() : null,
              Math.min(pageSize, MAX_PAGE_SIZE),
              r.hasPageToken() ? r.getPageToken() : null));
    } catch (IllegalArgumentException e) {
      throw new Invalid("Invalid page_token: " + e.getMessage());
    }
  }

  private static void checkStoreAndKey(String storeId, String key) {
    if (storeId.length() > 120) {
      throw new Invalid("store_id longer than 120 characters");
    }
    if (key != null && (key.isEmpty() || key.length() > 600)) {
      throw new Invalid("key must be 1 to 600 characters");
    }
    if (VssStorage.GLOBAL_VERSION_KEY.equals(key)) {
      throw new Invalid("key '" + key + "' is reserved (it holds the store's global_version)");
    }
  }

  // ---- HTTP mechanics -----------------------------------------------------------------------

  /** The body, or null when it is over the limit. */
  private byte[] readBody(HttpExchange ex) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > maxRequestBytes) {
          return null;
        }
      } catch (NumberFormatException e) {
        return null;
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
      return body.length > maxRequestBytes ? null : body;
    }
  }

  private static Map<String, String> lowerCaseHeaders(HttpExchange ex) {
    Map<String, String> headers = new HashMap<>();
    ex.getRequestHeaders()
        .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
    return headers;
  }

  private static int ok(HttpExchange ex, MessageLite response) throws IOException {
    return send(ex, 200, "application/octet-stream", response.toByteArray());
  }

  private static int error(HttpExchange ex, int status, ErrorCode code, String message)
      throws IOException {
    return send(
        ex,
        status,
        "application/octet-stream",
        ErrorResponse.newBuilder().setErrorCode(code).setMessage(message).build().toByteArray());
  }

  private static int plain(HttpExchange ex, int status, String text) throws IOException {
    return send(ex, status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  private static int send(HttpExchange ex, int status, String contentType, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("vss-protocol-version", PROTOCOL_VERSION);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
    return status;
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
    closed = true; // from now on requests are answered 503
    // HttpServer.stop(delay) waits out the whole delay while idle keep-alive connections are open,
    // so wait for the requests in progress ourselves, then stop at once
    long deadline = System.nanoTime() + grace.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    http.stop(0);
    workers.shutdown();
    try {
      if (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
        log.warn(
            "{} requests still running after the grace period; closing anyway", inFlight.get());
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    storage.close();
    log.info("VSS server on {} stopped", storage.describe());
  }

  /** Builds and starts a {@link VssServer}. */
  public static final class Builder {
    private final KeyVersionStorage storage;
    private Authorizer authorizer;
    private String host = "127.0.0.1";
    private int port = 8080;
    private long maxRequestBytes = 1L << 30;
    private int maxItems = 1000;
    private int threads = 16;
    private Duration grace = Duration.ofSeconds(10);

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

    /** The largest request body accepted; 1 GiB by default (vss-server's). */
    public Builder maxRequestBytes(long bytes) {
      this.maxRequestBytes = bytes;
      return this;
    }

    /** Most items (puts and deletes) in one putObjects; 1000 by default (vss-server's). */
    public Builder maxItemsPerPut(int items) {
      this.maxItems = items;
      return this;
    }

    /** Request-handling threads; 16 by default. */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** How long {@link #close()} waits for requests in progress; 10 s by default. */
    public Builder shutdownGrace(Duration grace) {
      this.grace = Objects.requireNonNull(grace, "grace");
      return this;
    }

    /**
     * Starts the server.
     *
     * @throws IllegalStateException without an authorizer, or with {@link Authorizer#none()} on a
     *     non-loopback address
     * @throws java.io.UncheckedIOException if the address cannot be bound
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
      try {
        VssServer server = new VssServer(this);
        if (authorizer == Authorizer.NONE) {
          if (!address.isLoopbackAddress()) {
            server.close();
            throw new IllegalStateException(
                "Refusing to serve without authentication on "
                    + host
                    + ", which is not a loopback address;"
                    + " configure JWT or signature authentication, or listen on 127.0.0.1");
          }
          log.warn(
              "VSS server without authentication on {}: every client is user '{}' and sees every store",
              server.baseUrl(),
              Authorizer.UNAUTHENTICATED_USER);
        }
        log.info("VSS server listening on {} (storage: {})", server.baseUrl(), storage.describe());
        return server;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(
            "Cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * What went wrong inside the storage, for the log: the exception types, the SQL state and the
   * database's own error, cut short. A batch's own message (which quotes the statement and its
   * values) is replaced by the error of the entry that failed.
   */
  static String withoutValues(Throwable e) {
    StringBuilder out = new StringBuilder(e.getClass().getSimpleName());
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    if (cause instanceof java.sql.SQLException sql) {
      java.sql.SQLException reported =
          sql instanceof java.sql.BatchUpdateException && sql.getNextException() != null
              ? sql.getNextException()
              : sql;
      String message = String.valueOf(reported.getMessage());
      out.append(" (")
          .append(reported.getClass().getSimpleName())
          .append(", SQLState ")
          .append(reported.getSQLState())
          .append("): ")
          .append(message, 0, Math.min(message.length(), 200));
    } else if (cause != e) {
      out.append(" (").append(cause.getClass().getSimpleName()).append(')');
    }
    return out.toString();
  }
}
