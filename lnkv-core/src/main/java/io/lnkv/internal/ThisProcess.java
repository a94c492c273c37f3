package io.lnkv.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;

/**
 * How a writer names itself in a lock or a lease, so that a refused second writer can say who holds
 * the store: {@code pid 4242 on host (kind) since 2026-12-03T10:00:00Z}.
 */
public final class ThisProcess {
  private ThisProcess() {}

  /** This host's name, or {@code unknown host} when it cannot be resolved. */
  public static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown host";
    }
  }

  /** The holder line of a lock or lease taken now by this process for {@code kind}. */
  public static String holder(String kind) {
    return "pid "
        + ProcessHandle.current().pid()
        + " on "
        + hostName()
        + (kind == null ? "" : " (" + kind + ")")
        + " since "
        + Instant.now();
  }
}
