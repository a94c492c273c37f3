package io.lnkv.bench;

import java.net.URI;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A Jetty server whose handler reads the body as {@code lnkv serve} does and answers 16 bytes: the
 * floor {@code lnkv serve}'s requests are measured against (HTTP's own cost on this machine).
 */
final class BareServer implements AutoCloseable {
  /** The name of its threads, for measuring their CPU time. */
  static final String THREADS = "bench-bare-server";

  private final Server server;
  final URI url;

  BareServer() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(64, 8);
    threads.setName(THREADS);
    threads.setDaemon(true);
    server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            // reads the body as lnkv serve does (an unread body also makes Jetty close the
            // connection under a client that reuses it), then answers
            Content.Source.asByteArrayAsync(
                request,
                1 << 16,
                Promise.Invocable.from(
                    InvocationType.NON_BLOCKING,
                    (byte[] body, Throwable failure) -> {
                      response.setStatus(failure == null ? 200 : 400);
                      response.write(true, ByteBuffer.wrap(new byte[16]), callback);
                    }));
            return true;
          }
        });
    server.start();
    url = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/bare");
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
