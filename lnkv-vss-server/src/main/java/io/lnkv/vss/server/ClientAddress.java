package io.lnkv.vss.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;

/**
 * Who a client is for the limits per client address (connections, body bytes in flight): its IPv4
 * address, or the /64 network of its IPv6 address. An IPv6 host is routinely given a whole /64 and
 * can use any address in it, so a limit per IPv6 address would be a limit per 2^64 addresses. (An
 * IPv4-mapped IPv6 address is its IPv4 address: Java already reads it as one.)
 */
final class ClientAddress {
  private ClientAddress() {}

  /** The client of a connection from {@code remote}; null if it is not an IP one. */
  static InetAddress of(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet ? of(inet.getAddress()) : null;
  }

  /** {@code address} itself for IPv4, its /64 network for IPv6; null for null. */
  static InetAddress of(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] network = address.getAddress();
    java.util.Arrays.fill(network, 8, 16, (byte) 0);
    try {
      return InetAddress.getByAddress(network);
    } catch (UnknownHostException e) {
      throw new AssertionError("16 bytes are an IPv6 address", e);
    }
  }
}
