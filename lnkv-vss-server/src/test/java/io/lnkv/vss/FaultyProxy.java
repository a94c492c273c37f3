package io.lnkv.vss;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between a client and a real server on 127.0.0.1 that does to the bytes what a network
 * or a paused process does: holds what the client sends and delivers it later ({@link #hold},
 * {@link #release}), loses the response to a put after the server applied it ({@link
 * #dropNextPutResponse}), or refuses every connection ({@link #down}).
 */
final class FaultyProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean dropNextPutResponse = new AtomicBoolean();
  private final AtomicInteger heldChunks = new AtomicInteger();
  private final AtomicInteger requestsForwarded = new AtomicInteger();
  private final AtomicInteger responsesReceived = new AtomicInteger();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile boolean down;

  FaultyProxy(URI target) throws IOException {
    this.targetPort = target.getPort();
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "faulty-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /** The VSS base URL through this proxy. */
  String baseUrl() {
    return "http://127.0.0.1:" + listener.getLocalPort() + "/vss";
  }

  /** From now on, what clients send waits in the proxy until {@link #release}. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  /**
   * Delivers what was held, in order, and waits until the server has answered every request it was
   * handed (so that what it applied is in its storage), whether or not the client still listens.
   */
  void release() throws InterruptedException {
    gate.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (heldChunks.get() > 0 || responsesReceived.get() < requestsForwarded.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "the server did not answer the released requests: "
                + requestsForwarded.get()
                + " forwarded, "
                + responsesReceived.get()
                + " answered");
      }
      Thread.sleep(10);
    }
  }

  /** The next put reaches the server, and its response is lost (the connection is cut). */
  void dropNextPutResponse() {
    dropNextPutResponse.set(true);
  }

  /** Cuts every connection and refuses new ones, as an unreachable server. */
  void down() {
    down = true;
    sockets.forEach(FaultyProxy::closeQuietly);
  }

  @Override
  public void close() {
    down();
    gate.countDown();
    closeQuietly(listener);
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      if (down) {
        closeQuietly(client);
        continue;
      }
      try {
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(server);
        AtomicBoolean dropResponse = new AtomicBoolean();
        start(() -> clientToServer(client, server, dropResponse));
        start(() -> serverToClient(server, client, dropResponse));
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void clientToServer(Socket client, Socket server, AtomicBoolean dropResponse) {
    byte[] buf = new byte[64 * 1024];
    try {
      InputStream in = client.getInputStream();
      OutputStream out = server.getOutputStream();
      int n;
      while ((n = in.read(buf)) > 0) {
        CountDownLatch g = gate;
        if (g.getCount() > 0) {
          heldChunks.incrementAndGet();
          try {
            g.await();
          } finally {
            heldChunks.decrementAndGet();
          }
        }
        String head = new String(buf, 0, Math.min(n, 200), StandardCharsets.ISO_8859_1);
        if (head.startsWith("POST ")) {
          requestsForwarded.incrementAndGet();
          if (head.contains("/putObjects") && dropNextPutResponse.compareAndSet(true, false)) {
            dropResponse.set(true);
          }
        }
        out.write(buf, 0, n);
        out.flush();
      }
      // the client is done sending (or gave up): what it sent still reaches the server, as over a
      // real network, and the server's answer is still read (see serverToClient)
      server.shutdownOutput();
    } catch (IOException | InterruptedException e) {
      closeQuietly(server);
      closeQuietly(client);
    }
  }

  private void serverToClient(Socket server, Socket client, AtomicBoolean dropResponse) {
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = server.getInputStream();
        OutputStream out = client.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (new String(buf, 0, Math.min(n, 5), StandardCharsets.ISO_8859_1).equals("HTTP/")) {
          responsesReceived.incrementAndGet();
        }
        if (dropResponse.get()) {
          break; // the server applied the put; its answer never arrives
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // the connection ended
    } finally {
      closeQuietly(client);
      closeQuietly(server);
    }
  }

  private static void start(Runnable pump) {
    Thread t = new Thread(pump, "faulty-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // already closed
    }
  }
}
