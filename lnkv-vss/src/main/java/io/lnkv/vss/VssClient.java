package io.lnkv.vss;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.lnkv.ConflictException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.StoreException;
import io.lnkv.StoreLockedException;
import io.lnkv.vss.wire.DeleteObjectRequest;
import io.lnkv.vss.wire.DeleteObjectResponse;
import io.lnkv.vss.wire.ErrorCode;
import io.lnkv.vss.wire.ErrorResponse;
import io.lnkv.vss.wire.GetObjectRequest;
import io.lnkv.vss.wire.GetObjectResponse;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsRequest;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import io.lnkv.vss.wire.PutObjectRequest;
import io.lnkv.vss.wire.PutObjectResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Why this file is long (~500 lines): the protocol's four calls, ldk-node's retry policy with the
// writer's guard consulted before every attempt, the read-back that tells a lost response from a
// conflict, and vss-client's reading of responses (status, error bodies, protocol version); all
// are about one HTTP exchange and its repetition.
/**
 * The VSS wire protocol over the JDK's HttpClient: one POST of a protobuf request to {@code
 * <base>/<endpoint>} per attempt, ldk-node's retry policy around it, and vss-client's reading of
 * responses — any 2xx is the response message, anything else an {@code ErrorResponse} (or, from
 * some servers, plain text). Thread-safe.
 *
 * <p>Retries: exponential backoff, {@code baseDelay × (2^attempt − 1)} plus up to {@code maxJitter}
 * of random jitter, until {@code maxAttempts} or {@code maxRetryTime}, as ldk-node. Not retried,
 * because a retry cannot change the answer: a conflict, a missing key, an invalid request, a failed
 * authentication, a protocol-version mismatch, a response over the size cap.
 *
 * <p>Long because every VSS call shares its mechanics, which are kept together: ldk-node's retry
 * policy, the mapping of statuses and error codes to exceptions that say what to do, the read-back
 * that settles a write whose response was lost, the protocol-version check and the HTTP/2 upgrade.
 */
final class VssClient {
  static final String PROTOCOL_VERSION_HEADER = "vss-protocol-version";
  static final String PROTOCOL_VERSION = "0";

  /** vss-client's cap on a response body. */
  static final int MAX_RESPONSE_BYTES = 1 << 30;

  private static final Logger log = LoggerFactory.getLogger(VssClient.class);

  /** How the client talks to one server. */
  record Settings(
      URI baseUrl,
      VssHeaderProvider headers,
      ProtocolVersionCheck versionCheck,
      Duration requestTimeout,
      int maxAttempts,
      Duration maxRetryTime,
      Duration baseDelay,
      Duration maxJitter) {}

  private final Settings settings;
  private final HttpClient http;
  private final String base;
  private final String shown; // base for messages and logs: its password masked
  private final AtomicBoolean warnedMissingVersion = new AtomicBoolean();

  VssClient(Settings settings) {
    this(settings, null, false);
  }

  /** With {@code tls} (null: the JVM's default trust) for https servers. */
  VssClient(Settings settings, SSLContext tls) {
    this(settings, tls, false);
  }

  /**
   * With {@code http2}: HTTP/2 where the server offers it (ALPN over TLS; in clear text, an h2c
   * upgrade by one bodiless request now), else HTTP/1.1.
   */
  VssClient(Settings settings, SSLContext tls, boolean http2) {
    this.settings = settings;
    String url = settings.baseUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.shown = io.lnkv.internal.Secrets.mask(base);
    HttpClient.Builder http =
        HttpClient.newBuilder()
            .version(http2 ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
            // The client's own steps run on the thread that gets to them (the caller's or the
            // client's selector thread) instead of hopping to a pool thread each: a round trip is
            // 1.7x faster on 2 cores (measured against a Jetty handler that does nothing). Safe
            // because nothing run there blocks: requests are sent whole from a byte array, and the
            // response stream is read by the caller, each buffer requested only once the last is
            // taken.
            .executor(Runnable::run)
            .connectTimeout(settings.requestTimeout());
    if (tls != null) {
      http.sslContext(tls);
    }
    this.http = http.build();
    if (http2 && base.regionMatches(true, 0, "http:", 0, 5)) {
      upgradeToH2c();
    }
  }

  /**
   * The JDK's client upgrades a clear-text connection to HTTP/2 only on a request without a body
   * (every VSS request has one): one such request, whose answer does not matter, leaves an HTTP/2
   * connection that the requests after it share. A server without h2c answers in HTTP/1.1, and the
   * client goes on so.
   */
  private void upgradeToH2c() {
    try {
      http.send(
          HttpRequest.newBuilder(URI.create(base + "/"))
              .timeout(settings.requestTimeout())
              .GET()
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      log.debug("VSS at {}: the HTTP/2 upgrade request failed ({}); HTTP/1.1", shown, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String baseUrl() {
    return shown;
  }

  /** The stored key-value, or empty if the server has no such key. */
  Optional<KeyValue> getObject(String storeId, String key) {
    GetObjectRequest request =
        GetObjectRequest.newBuilder().setStoreId(storeId).setKey(key).build();
    try {
      GetObjectResponse response = call("getObject", request, GetObjectResponse.parser(), NOTHING);
      if (!response.hasValue()) {
        throw new VssException(
            "VSS server " + shown + " answered getObject without a value (protocol violation)",
            200,
            null,
            null);
      }
      return Optional.of(response.getValue());
    } catch (NoSuchKey e) {
      return Optional.empty();
    }
  }

  /** What the sender of a write knows that the client does not: see {@link #putObjects}. */
  interface WriteGuard {
    /**
     * Runs before every attempt, the first included; throws (a {@link StoreException}) to send no
     * further attempt, e.g. when the writer lease is lost or about to lapse.
     */
    void beforeAttempt();

    /**
     * Called when an attempt after the first conflicts: whether the server already holds this
     * request's whole effect because an earlier attempt landed and only its response was lost. Must
     * answer false when it cannot tell.
     */
    boolean landed(PutObjectRequest request);
  }

  /** No check before attempts; a conflict on a retry is a conflict. */
  static final WriteGuard UNGUARDED =
      new WriteGuard() {
        @Override
        public void beforeAttempt() {}

        @Override
        public boolean landed(PutObjectRequest request) {
          return false;
        }
      };

  /**
   * Sends a put, retried by the policy, with {@code guard} consulted before each attempt. A
   * conditional put whose first attempt landed but whose response was lost conflicts on its retry
   * (the versions moved on); {@code guard.landed} then tells that from another client's change, and
   * this returns normally when the write was this request's own.
   *
   * @throws ConflictException if any item's version (or the global version) did not match and the
   *     request did not land
   */
  void putObjects(PutObjectRequest request, WriteGuard guard) {
    int[] attempts = {0};
    try {
      callExpectingKey(
          "putObjects",
          request,
          PutObjectResponse.parser(),
          attempt -> {
            attempts[0] = attempt;
            guard.beforeAttempt();
          });
    } catch (ConflictException e) {
      if (attempts[0] == 1) {
        throw e;
      }
      if (guard.landed(request)) {
        log.info(
            "VSS putObjects at {}: attempt {} conflicted with an earlier attempt of the same"
                + " request, which had landed (its response was lost); done",
            shown,
            attempts[0]);
        return;
      }
      throw new ConflictException(
          e.getMessage()
              + " (on attempt "
              + attempts[0]
              + "; an earlier attempt, whose response was lost, is not what the server holds)",
          e);
    }
  }

  /**
   * Whether the server holds the whole effect of {@code request}, as it would if an attempt of it
   * landed: every item stored with the request's exact bytes (encrypted with a fresh nonce, so no
   * other write has them), every deleted key absent, and, when the request carries a
   * global_version, the store's now one past it (this put moved it, and nothing after). An empty
   * put (a bare global_version bump) cannot be told apart from another client's: false.
   */
  boolean holds(String storeId, PutObjectRequest request) {
    if (request.getTransactionItemsCount() == 0 && request.getDeleteItemsCount() == 0) {
      return false;
    }
    for (KeyValue item : request.getTransactionItemsList()) {
      Optional<KeyValue> stored = getObject(storeId, item.getKey());
      if (stored.isEmpty() || !stored.get().getValue().equals(item.getValue())) {
        return false;
      }
    }
    for (KeyValue deleted : request.getDeleteItemsList()) {
      if (getObject(storeId, deleted.getKey()).isPresent()) {
        return false;
      }
    }
    if (request.hasGlobalVersion()) {
      String anyKey =
          request.getTransactionItemsCount() > 0
              ? request.getTransactionItems(0).getKey()
              : request.getDeleteItems(0).getKey();
      return globalVersion(storeId, anyKey) == request.getGlobalVersion() + 1;
    }
    return true;
  }

  /**
   * The store's global_version (0 when it has none), from the first page of a listing: {@code
   * anyPrefix} keeps that page to one key or none.
   */
  long globalVersion(String storeId, String anyPrefix) {
    ListKeyVersionsResponse first =
        listKeyVersions(
            ListKeyVersionsRequest.newBuilder()
                .setStoreId(storeId)
                .setKeyPrefix(anyPrefix)
                .setPageSize(1)
                .build());
    return first.hasGlobalVersion() ? first.getGlobalVersion() : 0;
  }

  void deleteObject(DeleteObjectRequest request, WriteGuard guard) {
    callExpectingKey(
        "deleteObject", request, DeleteObjectResponse.parser(), attempt -> guard.beforeAttempt());
  }

  ListKeyVersionsResponse listKeyVersions(ListKeyVersionsRequest request) {
    return callExpectingKey("listKeyVersions", request, ListKeyVersionsResponse.parser(), NOTHING);
  }

  private static final IntConsumer NOTHING = attempt -> {};

  private <T> T callExpectingKey(
      String endpoint, Message request, Parser<T> parser, IntConsumer beforeAttempt) {
    try {
      return call(endpoint, request, parser, beforeAttempt);
    } catch (NoSuchKey e) {
      throw new VssException(
          "VSS server " + shown + " answered " + endpoint + " with NO_SUCH_KEY: " + e.getMessage(),
          404,
          ErrorCode.NO_SUCH_KEY_EXCEPTION,
          null);
    }
  }

  /** Thrown inside this class for a 404 NO_SUCH_KEY, which callers of getObject expect. */
  private static final class NoSuchKey extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoSuchKey(String message) {
      super(message, null, false, false);
    }
  }

  /** Why one attempt failed, and whether another may succeed. */
  private record Failure(String what, int status, ErrorCode code, Throwable cause) {}

  /**
   * Runs {@code endpoint} under the retry policy; {@code beforeAttempt} gets the number of the
   * attempt about to be sent (1, 2, ...), and again during a backoff for the one that follows.
   */
  private <T> T call(
      String endpoint, Message request, Parser<T> parser, IntConsumer beforeAttempt) {
    byte[] body = request.toByteArray();
    long start = System.nanoTime();
    Failure last = null;
    int attempt = 0;
    while (true) {
      attempt++;
      checkGuard(endpoint, attempt, last, beforeAttempt);
      try {
        return attempt(endpoint, body, parser);
      } catch (Retryable r) {
        last = r.failure;
      }
      long delayMillis =
          settings.baseDelay().toMillis() * ((1L << Math.min(attempt, 30)) - 1)
              + ThreadLocalRandom.current().nextLong(settings.maxJitter().toMillis() + 1);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      if (attempt >= settings.maxAttempts()
          || elapsed.plusMillis(delayMillis).compareTo(settings.maxRetryTime()) > 0) {
        throw new VssException(
            "VSS "
                + endpoint
                + " at "
                + shown
                + " failed after "
                + attempt
                + (attempt == 1 ? " attempt" : " attempts")
                + " over "
                + elapsed.toMillis()
                + " ms: "
                + last.what()
                + (last.status() == 0
                    ? ". Check that the server is up and reachable"
                    : ". The server is up but failing; its log says why")
                + " (the operation may or may not have taken effect; retried for up to "
                + settings.maxRetryTime().toSeconds()
                + " s)",
            last.status(),
            last.code(),
            last.cause());
      }
      if (attempt == 1) {
        log.warn(
            "VSS {} at {} failed ({}); retrying for up to {} s",
            endpoint,
            shown,
            last.what(),
            settings.maxRetryTime().toSeconds());
      } else {
        log.debug(
            "VSS {} attempt {} failed ({}); retrying in {} ms",
            endpoint,
            attempt,
            last.what(),
            delayMillis);
      }
      try {
        // in slices, so that a guard that turns (a lease lost meanwhile) stops the retries at once
        // rather than after a long backoff
        long wakeAt = System.nanoTime() + delayMillis * 1_000_000;
        for (long left = delayMillis; left > 0; left = (wakeAt - System.nanoTime()) / 1_000_000) {
          Thread.sleep(Math.min(left, 100));
          checkGuard(endpoint, attempt + 1, last, beforeAttempt);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(
            "Interrupted while retrying VSS " + endpoint + " at " + shown + ": " + last.what(), e);
      }
    }
  }

  /**
   * Runs the guard before attempt {@code attempt}; its refusal is thrown as is before the first
   * attempt, and after a failed one says how many were sent and that one may have taken effect.
   */
  private void checkGuard(String endpoint, int attempt, Failure last, IntConsumer beforeAttempt) {
    try {
      beforeAttempt.accept(attempt);
    } catch (StoreException refused) {
      if (last == null) {
        throw refused;
      }
      String why =
          "VSS "
              + endpoint
              + " at "
              + shown
              + ": stopped retrying after "
              + (attempt - 1)
              + (attempt == 2 ? " attempt" : " attempts")
              + " ("
              + last.what()
              + ") because "
              + refused.getMessage()
              + " (an earlier attempt may or may not have taken effect)";
      if (refused instanceof StoreLockedException) {
        throw new StoreLockedException(why, refused, true);
      }
      throw new VssException(why, last.status(), last.code(), refused);
    }
  }

  /** A failed attempt that the retry policy may repeat. */
  private static final class Retryable extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Failure failure;

    Retryable(Failure failure) {
      super(failure.what(), null, false, false);
      this.failure = failure;
    }
  }

  private <T> T attempt(String endpoint, byte[] body, Parser<T> parser) throws Retryable {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base + "/" + endpoint))
            .timeout(settings.requestTimeout())
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, String> h : settings.headers().headers(body).entrySet()) {
      builder.setHeader(h.getKey(), h.getValue());
    }
    HttpResponse<InputStream> response;
    byte[] responseBody;
    try {
      response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        responseBody = in.readNBytes(MAX_RESPONSE_BYTES + 1);
      }
    } catch (IOException e) {
      throw new Retryable(new Failure(e.toString(), 0, null, e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Interrupted during VSS " + endpoint + " at " + shown, e);
    }
    int status = response.statusCode();
    checkProtocolVersion(endpoint, response);
    if (responseBody.length > MAX_RESPONSE_BYTES) {
      throw new VssException(
          "VSS " + endpoint + " at " + shown + ": response larger than 1 GiB", status, null, null);
    }
    if (status >= 200 && status < 300) {
      try {
        return parser.parseFrom(responseBody);
      } catch (InvalidProtocolBufferException e) {
        throw new Retryable(
            new Failure(
                "HTTP " + status + " with an undecodable body: " + e.getMessage(),
                status,
                null,
                e));
      }
    }
    ErrorResponse error;
    try {
      error = ErrorResponse.parseFrom(responseBody);
    } catch (InvalidProtocolBufferException e) {
      error = null;
    }
    if (error == null
        || (error.getErrorCode() == ErrorCode.UNKNOWN && error.getMessage().isEmpty())) {
      // plain-text bodies exist (Rust: "Error parsing request", 413s, unknown paths)
      String text =
          new String(responseBody, 0, Math.min(responseBody.length, 200), StandardCharsets.UTF_8);
      String what =
          "HTTP " + status + " " + (text.isBlank() ? "(no body)" : "'" + text.strip() + "'");
      if (status == 400
          || status == 401
          || status == 403
          || status == 404
          || status == 405
          || status == 413) {
        throw new VssException(
            "VSS "
                + endpoint
                + " at "
                + shown
                + " refused: "
                + what
                + ". Check the server URL (it ends in /vss) and version",
            status,
            null,
            null);
      }
      throw new Retryable(new Failure(what, status, null, null));
    }
    String what = "HTTP " + status + " " + error.getErrorCode() + ": " + cut(error.getMessage());
    switch (error.getErrorCode()) {
      case CONFLICT_EXCEPTION ->
          throw new ConflictException(
              "VSS "
                  + endpoint
                  + " at "
                  + shown
                  + " conflicted: a version did not match, so nothing was"
                  + " applied ("
                  + error.getMessage()
                  + "). Another writer changed the store; re-read before writing again");
      case NO_SUCH_KEY_EXCEPTION -> throw new NoSuchKey(error.getMessage());
      case INVALID_REQUEST_EXCEPTION ->
          throw new VssException(
              "VSS " + endpoint + " at " + shown + " rejected the request: " + what,
              status,
              error.getErrorCode(),
              null);
      case AUTH_EXCEPTION ->
          throw new VssException(
              "VSS "
                  + endpoint
                  + " at "
                  + shown
                  + " refused authentication: "
                  + what
                  + ". Check the credentials (header provider) this store was built with",
              status,
              error.getErrorCode(),
              null);
      default -> throw new Retryable(new Failure(what, status, error.getErrorCode(), null));
    }
  }

  private void checkProtocolVersion(String endpoint, HttpResponse<?> response) {
    Optional<String> version = response.headers().firstValue(PROTOCOL_VERSION_HEADER);
    if (version.isPresent() && version.get().equals(PROTOCOL_VERSION)) {
      return;
    }
    if (version.isEmpty() && settings.versionCheck() == ProtocolVersionCheck.LENIENT) {
      if (warnedMissingVersion.compareAndSet(false, true)) {
        // the user chose lenient mode for this: said once, and not as a warning
        log.info(
            "VSS server {} sends no {} header (an older server); accepted in lenient mode",
            shown,
            PROTOCOL_VERSION_HEADER);
      }
      return;
    }
    throw new IncompatibleStoreException(
        "VSS server "
            + shown
            + " answered "
            + endpoint
            + (version.isEmpty()
                ? " without the header " + PROTOCOL_VERSION_HEADER + ": " + PROTOCOL_VERSION
                : " with "
                    + PROTOCOL_VERSION_HEADER
                    + ": "
                    + version.get()
                    + ", expected "
                    + PROTOCOL_VERSION)
            + ". Upgrade the server, or, for an older server that sends no header, accept it:"
            + " ProtocolVersionCheck.LENIENT in the builder, or &protocol=lenient in an lnkv vss:"
            + " store URI");
  }

  /** A server's message, cut short: it is the server's text, echoed into a client's error. */
  private static String cut(String message) {
    return message.length() <= 200 ? message : message.substring(0, 200) + "...";
  }
}
