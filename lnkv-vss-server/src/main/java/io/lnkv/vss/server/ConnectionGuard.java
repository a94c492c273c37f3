package io.lnkv.vss.server;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps connections that send no request from holding the server's connection slots: the two ways a
 * client with no credentials could otherwise keep every other client out.
 *
 * <ul>
 *   <li><b>Connections per client address</b> (an IPv6 client's /64: {@link ClientAddress}) are
 *       capped: one more is closed as soon as it opens. Many wallets can share an address (a
 *       carrier's NAT), so the cap is generous; its point is that one host cannot take all {@code
 *       maxConnections}.
 *   <li><b>A request's line and headers must arrive within a deadline</b>, counted from the moment
 *       the connection opened (for its first request; a TLS handshake counts) or from the first
 *       bytes seen after the previous request ended. A connection that trickles header bytes, or
 *       stays silent after opening, is closed when the deadline passes; the idle timeout alone
 *       would let a byte every few seconds hold the connection for ever. A connection with a
 *       request in progress is left alone: its body has its own minimum rate ({@link BodyReader}).
 * </ul>
 *
 * The same sweep fails request bodies that fell behind the minimum rate ({@link
 * BodyReader#expireIfBehind}) even when no byte comes that would be checked on arrival: a body that
 * declared a large length holds its reservation in the budget, and must not hold it silent.
 *
 * <p>A sweep twice a second applies the deadline and the rate, so they are enforced to within half
 * a second. A Jetty bean: add it to the server and to the connector. Thread-safe.
 */
final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener {
  private static final Logger log = LoggerFactory.getLogger(VssServer.class);

  private final int maxPerAddress;
  private final long headerDeadlineNanos;
  private final Map<EndPoint, InetAddress> network = new ConcurrentHashMap<>();
  private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
  private final Map<Connection, Activity> protocol = new ConcurrentHashMap<>();
  private final java.util.Set<BodyReader> bodies = ConcurrentHashMap.newKeySet();
  private final ServerMetrics metrics;
  private ScheduledExecutorService sweeper;

  /** What a protocol connection (HTTP/1.1, HTTP/2, or one still negotiating) has been doing. */
  private static final class Activity {
    final long openedNanos = System.nanoTime();
    int inFlight; // guarded by this
    long requests; // guarded by this
    long bytesAtLastEnd; // guarded by this
    long waitingSince; // guarded by this; when bytes were first seen with no request, 0 if not
    long requestsWhenWaiting; // guarded by this

    /** Whether this connection has been working on a request's headers past the deadline. */
    synchronized boolean overdue(Connection c, long now, long deadline) {
      if (inFlight > 0) {
        waitingSince = 0;
        return false;
      }
      if (requests == 0) {
        return now - openedNanos > deadline; // no first request yet: from the open
      }
      long bytes = c.getBytesIn();
      if (bytes < 0 || bytes <= bytesAtLastEnd) {
        waitingSince = 0; // nothing since the last request: idle, the idle timeout's business
        return false;
      }
      if (waitingSince == 0 || requestsWhenWaiting != requests) {
        waitingSince = now;
        requestsWhenWaiting = requests;
        return false;
      }
      return now - waitingSince > deadline;
    }
  }

  ConnectionGuard(int maxPerAddress, long headerDeadlineMillis, ServerMetrics metrics) {
    this.maxPerAddress = maxPerAddress;
    this.headerDeadlineNanos = TimeUnit.MILLISECONDS.toNanos(headerDeadlineMillis);
    this.metrics = metrics;
  }

  @Override
  protected void doStart() {
    sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lnkv-vss-server-connection-guard");
              t.setDaemon(true);
              return t;
            });
    sweeper.scheduleWithFixedDelay(this::sweep, 500, 500, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void doStop() {
    sweeper.shutdownNow();
  }

  @Override
  public void onOpened(Connection connection) {
    EndPoint endPoint = connection.getEndPoint();
    if (!(connection instanceof SslConnection)) {
      protocol.put(connection, new Activity());
    }
    if (endPoint instanceof SslConnection.SslEndPoint || network.containsKey(endPoint)) {
      return; // inside TLS, or a protocol upgrade on a connection already counted
    }
    InetAddress address = ClientAddress.of(endPoint.getRemoteSocketAddress());
    if (address == null) {
      return;
    }
    int count = perAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    network.put(endPoint, address);
    if (count > maxPerAddress) {
      metrics.refused(ServerMetrics.Refusal.CONNECTIONS_PER_ADDRESS);
      log.debug("closing a connection from {}: over {} connections", address, maxPerAddress);
      endPoint.close();
    }
  }

  @Override
  public void onClosed(Connection connection) {
    protocol.remove(connection);
    EndPoint endPoint = connection.getEndPoint();
    if (!endPoint.isOpen()) {
      forget(endPoint);
    }
  }

  /** A request began on {@code connection} (its line and headers are in). */
  void requestStarted(Connection connection) {
    Activity a = protocol.get(connection);
    if (a != null) {
      synchronized (a) {
        a.inFlight++;
        a.requests++;
      }
    }
  }

  /** A request on {@code connection} was answered. */
  void requestEnded(Connection connection) {
    Activity a = protocol.get(connection);
    if (a != null) {
      synchronized (a) {
        a.inFlight--;
        a.bytesAtLastEnd = Math.max(0, connection.getBytesIn());
        a.waitingSince = 0;
      }
    }
  }

  /** A body being read, to be failed if it falls behind the minimum rate. */
  void watch(BodyReader body) {
    bodies.add(body);
  }

  /** A body whose read ended. */
  void unwatch(BodyReader body) {
    bodies.remove(body);
  }

  /** Connections from {@code address} now, for tests. */
  int connectionsFrom(InetAddress address) {
    AtomicInteger n = perAddress.get(address);
    return n == null ? 0 : n.get();
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      protocol.forEach(
          (connection, activity) -> {
            if (activity.overdue(connection, now, headerDeadlineNanos)) {
              metrics.refused(ServerMetrics.Refusal.HEADERS_TOO_SLOW);
              log.debug("closing {}: no whole request within the deadline", connection);
              connection.getEndPoint().close();
            }
          });
      for (BodyReader body : bodies) {
        if (body.expireIfBehind(now)) {
          log.debug("failing a request body below the minimum rate");
          bodies.remove(body); // its read ends with the failure; the sweep is done with it
        }
      }
      // closes onClosed did not see as the end of the network connection
      protocol.keySet().removeIf(c -> !c.getEndPoint().isOpen());
      for (EndPoint e : network.keySet()) {
        if (!e.isOpen()) {
          forget(e);
        }
      }
    } catch (RuntimeException e) {
      log.warn("connection guard: a sweep failed: {}", e.toString());
    }
  }

  /** Stops counting a network connection, once. */
  private void forget(EndPoint endPoint) {
    InetAddress address = network.remove(endPoint);
    if (address != null) {
      perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }
  }
}
