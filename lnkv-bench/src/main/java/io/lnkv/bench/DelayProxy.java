package io.lnkv.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP proxy on 127.0.0.1 that delays every byte by a fixed time in each direction: a server a
 * round trip of twice that away, for tests and benchmarks that must see what users at a distance
 * see (loopback hides the cost of every round trip). Bytes keep their order and are not throttled;
 * each connection costs four threads. Close it to stop accepting and cut every connection.
 */
public final class DelayProxy implements AutoCloseable {
  private static final byte[] END = new byte[0];

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final long delayNanos;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger accepted =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean closed;

  private DelayProxy(InetSocketAddress target, Duration oneWay) throws IOException {
    this.target = target;
    this.delayNanos = oneWay.toNanos();
    this.listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "delay-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /** Starts a proxy to {@code host:port} that delays each direction by {@code oneWay}. */
  public static DelayProxy start(String host, int port, Duration oneWay) throws IOException {
    return new DelayProxy(new InetSocketAddress(host, port), oneWay);
  }

  /** The port clients connect to (on 127.0.0.1). */
  public int port() {
    return listener.getLocalPort();
  }

  /** How many connections clients opened through it so far. */
  public int connectionsAccepted() {
    return accepted.get();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        accepted.incrementAndGet();
        Socket server = new Socket();
        server.connect(target);
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(server);
        pump(client, server, "up");
        pump(server, client, "down");
      } catch (IOException e) {
        if (!closed) {
          continue; // the target refused one connection; keep serving others
        }
        return;
      }
    }
  }

  /** Copies {@code from} to {@code to}, each chunk delivered {@code delay} after it was read. */
  private void pump(Socket from, Socket to, String direction) {
    LinkedBlockingQueue<Object[]> due = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              byte[] buffer = new byte[64 * 1024];
              try (InputStream in = from.getInputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                  due.add(new Object[] {System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)});
                }
              } catch (IOException e) {
                // closed: end the other side too
              }
              due.add(new Object[] {System.nanoTime() + delayNanos, END});
            },
            "delay-proxy-" + direction + "-read");
    Thread writer =
        new Thread(
            () -> {
              try {
                OutputStream out = to.getOutputStream();
                while (true) {
                  Object[] next = due.take();
                  long wait = (long) next[0] - System.nanoTime();
                  if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                  }
                  byte[] bytes = (byte[]) next[1];
                  if (bytes == END) {
                    to.shutdownOutput();
                    return;
                  }
                  out.write(bytes);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "delay-proxy-" + direction + "-write");
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
    sockets.forEach(DelayProxy::closeQuietly);
  }
}
