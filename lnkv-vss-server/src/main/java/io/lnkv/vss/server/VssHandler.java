package io.lnkv.vss.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a {@link VssServer}: routes {@code POST /vss/<endpoint>} to {@link VssProtocol},
 * {@code /health} and {@code /ready}; authenticates; and reads a body only within the per-request
 * limit (a larger Content-Length is refused before a byte of it is read) and the server-wide {@link
 * BodyBudget}. Logs one access line per VSS request (never keys, values or credentials). Runs on
 * Jetty's threads; blocking is allowed there.
 */
final class VssHandler extends Handler.Abstract {
  private static final Logger access = LoggerFactory.getLogger("io.lnkv.vss.server.requests");
  private static final Logger log = LoggerFactory.getLogger(VssServer.class);

  /** Bodies up to this size are read outside the {@link BodyBudget}. */
  static final long SMALL_BODY = 64 * 1024;

  private final VssProtocol protocol;
  private final KeyVersionStorage storage;
  private final Authorizer authorizer;
  private final long maxRequestBytes;
  private final BodyBudget budget;
  private final Duration budgetWait;
  private final RequestRate rate; // null: no per-user rate
  private final ServerMetrics metrics;

  VssHandler(
      KeyVersionStorage storage,
      Authorizer authorizer,
      int maxItems,
      long maxRequestBytes,
      BodyBudget budget,
      Duration budgetWait,
      KeyVersionStorage.Quota quota,
      RequestRate rate,
      ServerMetrics metrics) {
    this.protocol = new VssProtocol(storage, maxItems, quota, metrics);
    this.storage = storage;
    this.authorizer = authorizer;
    this.maxRequestBytes = maxRequestBytes;
    this.budget = budget;
    this.budgetWait = budgetWait;
    this.rate = rate;
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    long start = System.nanoTime();
    String path = Request.getPathInContext(request);
    VssProtocol.Reply reply;
    String user = "-";
    if (path.equals("/health")) {
      reply = VssProtocol.Reply.plain(200, "ok"); // the process answers; the storage is /ready's
    } else if (path.equals("/ready")) {
      reply = ready();
    } else if (path.equals("/metrics")) {
      reply =
          new VssProtocol.Reply(
              200,
              "text/plain; version=0.0.4; charset=utf-8",
              metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8),
              "-",
              0);
    } else if (!path.startsWith("/vss/")
        || !VssProtocol.ENDPOINTS.contains(path.substring("/vss/".length()))) {
      reply = VssProtocol.Reply.plain(400, "Invalid request path");
    } else if (!"POST".equals(request.getMethod())) {
      response.getHeaders().put("Allow", "POST");
      reply = VssProtocol.Reply.plain(405, "Method not allowed; VSS requests are POSTs");
    } else {
      String endpoint = path.substring("/vss/".length());
      try {
        user = authorizer.authorize(lowerCaseHeaders(request));
        if (rate != null && !rate.tryAcquire(user)) {
          metrics.refused(ServerMetrics.Refusal.RATE_LIMITED);
          response.getHeaders().put("Retry-After", Long.toString(rate.retryAfterSeconds()));
          reply = VssProtocol.Reply.plain(429, "Too many requests for this user; retry later");
        } else {
          reply = withBody(request, response, endpoint, user);
        }
      } catch (Authorizer.Refused e) {
        metrics.refused(ServerMetrics.Refusal.AUTHENTICATION);
        reply =
            VssProtocol.Reply.error(
                401,
                io.lnkv.vss.wire.ErrorCode.AUTH_EXCEPTION,
                "Authentication failed: " + e.getMessage());
      }
      long nanos = System.nanoTime() - start;
      metrics.request(
          endpoint,
          reply.status(),
          nanos,
          Math.max(0, request.getLength()),
          reply.body().length,
          reply.items());
      access.info(
          "{} {} user={} store={} items={} status={} {}us",
          Request.getRemoteAddr(request),
          endpoint,
          user,
          reply.storeId(),
          reply.items(),
          reply.status(),
          nanos / 1000);
    }
    response.setStatus(reply.status());
    response.getHeaders().put("vss-protocol-version", VssServer.PROTOCOL_VERSION);
    response.getHeaders().put("Content-Type", reply.contentType());
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
    return true;
  }

  /** Reads the body within the limits, then runs the endpoint. */
  private VssProtocol.Reply withBody(
      Request request, Response response, String endpoint, String user)
      throws InterruptedException {
    long declared = request.getLength(); // -1 when chunked
    if (declared > maxRequestBytes) {
      metrics.refused(ServerMetrics.Refusal.TOO_LARGE);
      return tooLarge(); // refused before reading any of it
    }
    // Small bodies (a read, a list, a single write) are not counted, so that they never wait
    // behind large ones: at most one per request thread is read at once, threads x 64 KiB in all.
    long reserved =
        declared >= 0 && declared <= SMALL_BODY ? 0 : declared >= 0 ? declared : maxRequestBytes;
    if (reserved > 0 && !budget.reserve(reserved, budgetWait)) {
      metrics.refused(ServerMetrics.Refusal.BUSY);
      response.getHeaders().put("Retry-After", "1");
      return VssProtocol.Reply.plain(
          503, "Server busy: too many request bytes in flight; retry shortly");
    }
    try {
      byte[] body;
      try (InputStream in = Request.asInputStream(request)) {
        body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
      } catch (IOException e) {
        // the client stopped sending, sent too slowly (below the minimum data rate), or left
        metrics.refused(ServerMetrics.Refusal.BODY_NOT_RECEIVED);
        return VssProtocol.Reply.plain(408, "Request body not received: " + e.getMessage());
      }
      if (body.length > maxRequestBytes) {
        metrics.refused(ServerMetrics.Refusal.TOO_LARGE);
        return tooLarge();
      }
      return protocol.handle(endpoint, user, body);
    } finally {
      if (reserved > 0) {
        budget.release(reserved);
      }
    }
  }

  private VssProtocol.Reply tooLarge() {
    return VssProtocol.Reply.plain(
        413, "Request body too large (limit " + maxRequestBytes + " bytes)");
  }

  private VssProtocol.Reply ready() {
    try {
      storage.get(Authorizer.UNAUTHENTICATED_USER, "", VssStorage.GLOBAL_VERSION_KEY);
      return VssProtocol.Reply.plain(200, "ready");
    } catch (RuntimeException e) {
      log.warn(
          "readiness check: storage {} fails: {}",
          storage.describe(),
          VssProtocol.withoutValues(e));
      return VssProtocol.Reply.plain(503, "storage unavailable");
    }
  }

  private static Map<String, String> lowerCaseHeaders(Request request) {
    Map<String, String> headers = new HashMap<>();
    for (HttpField field : request.getHeaders()) {
      headers.putIfAbsent(field.getName().toLowerCase(Locale.ROOT), field.getValue());
    }
    return headers;
  }
}
