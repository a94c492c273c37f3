package io.lnkv.vss.server;

import io.lnkv.vss.wire.ErrorCode;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public side of a {@link VssServer}: routes {@code POST /vss/<endpoint>} to {@link
 * VssProtocol} (and {@code GET /health} when asked; the rest is the admin listener's);
 * authenticates; and reads a body only within the per-request limit (a larger Content-Length is
 * refused before a byte of it is read), the server-wide {@link BodyBudget} and the minimum rate.
 * Logs one access line per VSS request through {@link AccessLog}, which never makes it wait (never
 * keys, values or credentials; client-supplied fields escaped by {@link LogText}).
 *
 * <p>Non-blocking: Jetty calls it on the thread that read the request from the network, which
 * serves other connections too and must not wait. What may block is handed to the server's worker
 * threads: authentication that may fetch keys or is costly (JWKS, signatures), and storage work.
 * Reads of a storage whose reads are quick ({@link KeyVersionStorage#readsAreQuick}: SQLite) run
 * where they are, when their body came with the headers: most VSS reads then cost no hand-off
 * between threads, which was the largest part of the server's CPU per read after Jetty's own.
 */
final class VssHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(VssServer.class);

  private final VssProtocol protocol;
  private final Authorizer authorizer;
  private final long maxRequestBytes;
  private final BodyBudget budget;
  private final Executor threads;
  private final RequestRate rate; // null: no per-user rate
  private final ServerMetrics metrics;
  private final AccessLog accessLog;
  private final ConnectionGuard guard;
  private final long minBytesPerSecond;
  private final boolean publicHealth; // /health here too, for a load balancer
  private final boolean quickAuthentication; // on the network thread: no fetch, little CPU
  private final boolean quickReads; // the storage's reads may run on the network thread

  /** The endpoints that only read. */
  private static final java.util.Set<String> READS =
      java.util.Set.of("getObject", "listKeyVersions");

  VssHandler(
      KeyVersionStorage storage,
      Authorizer authorizer,
      int maxItems,
      long maxRequestBytes,
      BodyBudget budget,
      Executor threads,
      KeyVersionStorage.Quota quota,
      RequestRate rate,
      ServerMetrics metrics,
      AccessLog accessLog,
      ConnectionGuard guard,
      long minBytesPerSecond,
      boolean publicHealth) {
    this.accessLog = accessLog;
    this.guard = guard;
    this.minBytesPerSecond = minBytesPerSecond;
    this.publicHealth = publicHealth;
    this.protocol = new VssProtocol(storage, maxItems, quota, metrics);
    this.authorizer = authorizer;
    this.quickAuthentication =
        authorizer == Authorizer.NONE
            || (authorizer instanceof JwtAuthorizer jwt && !jwt.fetchesKeys());
    this.quickReads = storage.readsAreQuick();
    this.maxRequestBytes = maxRequestBytes;
    this.budget = budget;
    this.threads = threads;
    this.rate = rate;
    this.metrics = metrics;
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING; // what may block goes to the worker threads
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    org.eclipse.jetty.io.Connection connection = request.getConnectionMetaData().getConnection();
    guard.requestStarted(connection);
    Callback done = new Ended(callback, guard, connection);
    String path = Request.getPathInContext(request);
    if (path.equals("/health") && publicHealth) {
      // the process answers; the storage is the admin listener's /ready
      send(request, response, done, false, VssProtocol.Reply.plain(200, "ok"));
    } else if (!path.startsWith("/vss/")
        || !VssProtocol.ENDPOINTS.contains(path.substring("/vss/".length()))) {
      send(request, response, done, false, VssProtocol.Reply.plain(400, "Invalid request path"));
    } else if (!"POST".equals(request.getMethod())) {
      response.getHeaders().put("Allow", "POST");
      send(
          request,
          response,
          done,
          false,
          VssProtocol.Reply.plain(405, "Method not allowed; VSS requests are POSTs"));
    } else {
      String endpoint = path.substring("/vss/".length());
      if (quickAuthentication) {
        vss(request, response, done, endpoint, start, false);
      } else {
        threads.execute(() -> vss(request, response, done, endpoint, start, true));
      }
    }
    return true;
  }

  /** Tells the {@link ConnectionGuard} that a request was answered, then Jetty. */
  private record Ended(Callback callback, ConnectionGuard guard, org.eclipse.jetty.io.Connection c)
      implements Callback {
    @Override
    public void succeeded() {
      guard.requestEnded(c);
      callback.succeeded();
    }

    @Override
    public void failed(Throwable x) {
      guard.requestEnded(c);
      callback.failed(x);
    }

    @Override
    public InvocationType getInvocationType() {
      return callback.getInvocationType();
    }
  }

  /**
   * A VSS request: authentication, rate and size checks, then the body, read without holding a
   * thread (a client that trickles its body costs a buffer, not a thread), then the storage: on
   * this thread when the body was already there and this thread may block (or the request is a
   * quick read), else on one of the server's threads.
   *
   * @param mayBlock whether this is a worker thread, rather than Jetty's network thread
   */
  private void vss(
      Request request,
      Response response,
      Callback callback,
      String endpoint,
      long start,
      boolean mayBlock) {
    String user = "-";
    // the request's headers are held from here until it is answered: counted in the budget
    BodyBudget.Reservation reservation =
        budget.reservation(request.getLength(), clientAddress(request));
    VssProtocol.Reply refusal;
    if (!reservation.admit()) {
      refusal = busy(response);
    } else {
      try {
        user = authorizer.authorize(lowerCaseHeaders(request));
        refusal = admission(request, response, user);
      } catch (Authorizer.Refused e) {
        metrics.refused(ServerMetrics.Refusal.AUTHENTICATION);
        refusal =
            VssProtocol.Reply.error(
                401, ErrorCode.AUTH_EXCEPTION, "Authentication failed: " + e.getMessage());
      } catch (RuntimeException | Error e) {
        // an authorizer's own failure (a custom one, say): answered, and the allowance given back;
        // its message is not logged, as it may quote the credentials
        metrics.refused(ServerMetrics.Refusal.SERVER_ERROR);
        log.error(
            "VSS {}: the authorizer failed ({}); answered 503", endpoint, e.getClass().getName());
        response.getHeaders().put("Retry-After", "1");
        refusal =
            VssProtocol.Reply.plain(
                503, "Server busy: authentication could not be checked; retry shortly");
      }
    }
    if (refusal != null) {
      reservation.release();
      finish(request, response, callback, false, endpoint, user, start, refusal);
      return;
    }
    String who = user;
    InlineArrival inline = new InlineArrival();
    BodyReader reader =
        new BodyReader(
            request,
            maxRequestBytes,
            reservation,
            endpoint.equals("putObjects") ? 2 : 1,
            minBytesPerSecond,
            guard,
            (body, failure) -> {
              if (!inline.offer(body, failure)) {
                threads.execute(
                    () ->
                        answer(
                            request,
                            response,
                            callback,
                            endpoint,
                            who,
                            start,
                            reservation,
                            body,
                            failure));
              }
            });
    reader.start(); // reads what has arrived; Jetty calls it again as more does
    if (!inline.endCall()) {
      return; // the reader hands the answer to a worker thread when the body is in
    }
    // the whole body came with the headers (most VSS requests): this thread runs the storage
    // itself, instead of handing it to another one, when it may block or the storage is quick
    if (mayBlock || (quickReads && READS.contains(endpoint))) {
      answer(
          request,
          response,
          callback,
          endpoint,
          who,
          start,
          reservation,
          inline.body,
          inline.failure);
    } else {
      byte[] body = inline.body;
      Throwable failure = inline.failure;
      threads.execute(
          () ->
              answer(
                  request, response, callback, endpoint, who, start, reservation, body, failure));
    }
  }

  /**
   * Catches a body that arrives while the handling thread's first {@code reader.run()} is still
   * running. Only that thread reads or writes its fields (an outcome on any other thread, or after
   * the call, is refused by {@link #offer}), so they need no synchronization.
   */
  private static final class InlineArrival {
    private final Thread caller = Thread.currentThread();
    private boolean calling = true;
    private boolean arrived;
    byte[] body;
    Throwable failure;

    /** Keeps the outcome when called on the handling thread during the call; false otherwise. */
    boolean offer(byte[] body, Throwable failure) {
      if (Thread.currentThread() != caller || !calling) {
        return false;
      }
      this.arrived = true;
      this.body = body;
      this.failure = failure;
      return true;
    }

    /** Ends the call: true when the body arrived during it. */
    boolean endCall() {
      calling = false;
      return arrived;
    }
  }

  /**
   * Runs the request's storage work, releases its reservation and sends the reply. An {@link Error}
   * (out of memory, say) answers 503 and is logged; the reservation is released whatever happens.
   */
  private void answer(
      Request request,
      Response response,
      Callback callback,
      String endpoint,
      String user,
      long start,
      BodyBudget.Reservation reservation,
      byte[] body,
      Throwable failure) {
    VssProtocol.Reply reply;
    try {
      reply = afterBody(response, endpoint, user, body, failure, reservation);
    } catch (Error e) {
      reply = serverError(response, endpoint, e);
    } finally {
      reservation.release();
    }
    // a body not read to its end stands between this reply and the next request: close
    finish(request, response, callback, failure == null, endpoint, user, start, reply);
  }

  private VssProtocol.Reply serverError(Response response, String endpoint, Throwable e) {
    metrics.refused(ServerMetrics.Refusal.SERVER_ERROR);
    log.error("VSS {}: {} while handling the request; answered 503", endpoint, e.toString());
    response.getHeaders().put("Retry-After", "1");
    return VssProtocol.Reply.plain(503, "Server busy: out of resources; retry shortly");
  }

  /**
   * The per-user rate and the body's declared size, in that order; the refusal to send, or null
   * when admitted. The budget is taken as the body arrives, not from what it declares.
   */
  private VssProtocol.Reply admission(Request request, Response response, String user) {
    if (rate != null && !rate.tryAcquire(user)) {
      metrics.refused(ServerMetrics.Refusal.RATE_LIMITED);
      response.getHeaders().put("Retry-After", Long.toString(rate.retryAfterSeconds()));
      return VssProtocol.Reply.plain(429, "Too many requests for this user; retry later");
    }
    if (request.getLength() > maxRequestBytes) {
      metrics.refused(ServerMetrics.Refusal.TOO_LARGE);
      return tooLarge(); // none of it read
    }
    return null;
  }

  private VssProtocol.Reply afterBody(
      Response response,
      String endpoint,
      String user,
      byte[] body,
      Throwable failure,
      BodyBudget.Reservation reservation) {
    if (failure == null) {
      // A put's values are copied once more as the storage driver takes them: held in the budget
      // beside the body until the put is done.
      if (endpoint.equals("putObjects")
          && !reservation.cover(2L * body.length, 2L * maxRequestBytes)) {
        return busy(response);
      }
      return protocol.handle(endpoint, user, body);
    }
    if (failure instanceof Error) {
      return serverError(response, endpoint, failure);
    }
    if (failure instanceof BodyReader.TooLarge) {
      metrics.refused(ServerMetrics.Refusal.TOO_LARGE); // a body of unknown length grew too large
      return tooLarge();
    }
    if (failure instanceof BodyReader.OverBudget) {
      return busy(response);
    }
    // the client stopped sending, sent too slowly (below the minimum data rate), or left
    metrics.refused(ServerMetrics.Refusal.BODY_NOT_RECEIVED);
    return VssProtocol.Reply.plain(408, "Request body not received: " + failure.getMessage());
  }

  private VssProtocol.Reply busy(Response response) {
    metrics.refused(ServerMetrics.Refusal.BUSY);
    response.getHeaders().put("Retry-After", "1");
    return VssProtocol.Reply.plain(
        503, "Server busy: too many request bytes in flight; retry shortly");
  }

  /** Records, logs and sends a VSS request's reply. */
  private void finish(
      Request request,
      Response response,
      Callback callback,
      boolean bodyRead,
      String endpoint,
      String user,
      long start,
      VssProtocol.Reply reply) {
    long nanos = System.nanoTime() - start;
    metrics.request(
        endpoint,
        reply.status(),
        nanos,
        Math.max(0, request.getLength()),
        reply.body().length,
        reply.items());
    accessLog.record(
        Request.getRemoteAddr(request),
        endpoint,
        user,
        reply.storeId(),
        reply.items(),
        reply.status(),
        nanos / 1000);
    send(request, response, callback, bodyRead, reply);
  }

  /**
   * Sends {@code reply}. A reply to a request whose body was not read (a refusal) closes the
   * connection: the unread body would otherwise stand between this response and the next request,
   * and a client reusing the connection would find it closed under it.
   */
  private static void send(
      Request request,
      Response response,
      Callback callback,
      boolean bodyRead,
      VssProtocol.Reply reply) {
    if (!bodyRead && request.getLength() != 0) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    response.setStatus(reply.status());
    response.getHeaders().put("vss-protocol-version", VssServer.PROTOCOL_VERSION);
    response.getHeaders().put("Content-Type", reply.contentType());
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
  }

  private VssProtocol.Reply tooLarge() {
    return VssProtocol.Reply.plain(
        413, "Request body too large (limit " + maxRequestBytes + " bytes)");
  }

  /** The client, whose requests share a part of the budget; null if not an IP one. */
  private static java.net.InetAddress clientAddress(Request request) {
    return ClientAddress.of(request.getConnectionMetaData().getRemoteSocketAddress());
  }

  private static Map<String, String> lowerCaseHeaders(Request request) {
    Map<String, String> headers = new HashMap<>();
    for (HttpField field : request.getHeaders()) {
      headers.putIfAbsent(field.getName().toLowerCase(Locale.ROOT), field.getValue());
    }
    return headers;
  }
}
