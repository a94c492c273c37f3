package io.lnkv.vss.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's endpoints, for the host's monitoring rather than its users: {@code GET
 * /health} (200 while the process serves, storage untouched), {@code GET /ready} (200 when the
 * storage answers too; checked at most once a second, however often it is asked) and {@code GET
 * /metrics} (Prometheus text). Thread-safe.
 */
final class AdminHandler extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(VssServer.class);
  private static final long READY_CACHE_NANOS = 1_000_000_000L;

  private final KeyVersionStorage storage;
  private final ServerMetrics metrics;
  private volatile Checked lastReady;

  private record Checked(VssProtocol.Reply reply, long atNanos) {}

  AdminHandler(KeyVersionStorage storage, ServerMetrics metrics) {
    this.storage = storage;
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    VssProtocol.Reply reply =
        switch (path) {
          case "/health" -> VssProtocol.Reply.plain(200, "ok");
          case "/ready" -> ready();
          case "/metrics" ->
              new VssProtocol.Reply(
                  200,
                  "text/plain; version=0.0.4; charset=utf-8",
                  metrics.scrape().getBytes(StandardCharsets.UTF_8),
                  "-",
                  0);
          default -> VssProtocol.Reply.plain(404, "Not found: /health, /ready or /metrics");
        };
    response.setStatus(reply.status());
    response.getHeaders().put("Content-Type", reply.contentType());
    response.write(true, ByteBuffer.wrap(reply.body()), callback);
    return true;
  }

  private VssProtocol.Reply ready() {
    Checked last = lastReady;
    long now = System.nanoTime();
    if (last != null && now - last.atNanos < READY_CACHE_NANOS) {
      return last.reply;
    }
    VssProtocol.Reply reply;
    try {
      storage.get(Authorizer.UNAUTHENTICATED_USER, "", VssStorage.GLOBAL_VERSION_KEY);
      reply = VssProtocol.Reply.plain(200, "ready");
    } catch (RuntimeException e) {
      log.warn(
          "readiness check: storage {} fails: {}",
          storage.describe(),
          VssProtocol.withoutValues(e));
      reply = VssProtocol.Reply.plain(503, "storage unavailable");
    }
    lastReady = new Checked(reply, now);
    return reply;
  }
}
