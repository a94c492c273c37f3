package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.io.Connection;
import org.junit.jupiter.api.Test;

/**
 * The limits per client address count an IPv6 client by its /64: a host given a /64 (as IPv6 hosts
 * routinely are) would otherwise be 2^64 clients, each with its own share of connections and of the
 * body budget. Connections are made here with the addresses set on them, because a test machine has
 * only {@code ::1} to connect from.
 */
class ClientAddressTest {
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void ipv4_isItself_ipv6_isItsSlash64() throws Exception {
    assertThat(ClientAddress.of(ip("203.0.113.7"))).isEqualTo(ip("203.0.113.7"));
    assertThat(ClientAddress.of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")))
        .isEqualTo(ip("2001:db8:1:2::"))
        .isEqualTo(ClientAddress.of(ip("2001:db8:1:2::1")));
    assertThat(ClientAddress.of(ip("2001:db8:1:3::1")))
        .isNotEqualTo(ClientAddress.of(ip("2001:db8:1:2::1")));
    assertThat(ClientAddress.of(ip("::ffff:203.0.113.7"))).isEqualTo(ip("203.0.113.7"));
    assertThat(ClientAddress.of((SocketAddress) null)).isNull();
    assertThat(ClientAddress.of(new InetSocketAddress(ip("2001:db8::5"), 443)))
        .isEqualTo(ip("2001:db8::"));
  }

  @Test
  void connectionsFromOneSlash64_shareTheCap() throws Exception {
    ConnectionGuard guard = new ConnectionGuard(2, 10_000, new ServerMetrics(new BodyBudget(1, 1)));
    List<ByteArrayEndPoint> opened = new ArrayList<>();
    for (String from : List.of("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3")) {
      opened.add(open(guard, from));
    }
    ByteArrayEndPoint otherNetwork = open(guard, "2001:db8:1:3::1");
    assertThat(guard.connectionsFrom(ip("2001:db8:1:2::"))).isEqualTo(3);
    assertThat(opened.get(0).isOpen()).isTrue();
    assertThat(opened.get(1).isOpen()).isTrue();
    assertThat(opened.get(2).isOpen()).as("the third of one /64 over a cap of 2").isFalse();
    assertThat(otherNetwork.isOpen()).as("another /64").isTrue();
  }

  /** A connection from {@code from}, opened as the server would: the guard counts it. */
  private static ByteArrayEndPoint open(ConnectionGuard guard, String from) throws Exception {
    InetSocketAddress remote = new InetSocketAddress(ip(from), 40_000);
    ByteArrayEndPoint endPoint =
        new ByteArrayEndPoint() {
          @Override
          public SocketAddress getRemoteSocketAddress() {
            return remote;
          }
        };
    Connection connection =
        new AbstractConnection(endPoint, Runnable::run) {
          @Override
          public void onFillable() {}
        };
    endPoint.setConnection(connection);
    guard.onOpened(connection);
    return endPoint;
  }
}
