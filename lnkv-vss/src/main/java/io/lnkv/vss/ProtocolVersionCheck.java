package io.lnkv.vss;

/**
 * What a {@link VssStore} does with the {@code vss-protocol-version} response header. vss-client
 * 0.6.0 requires it to be {@code 0} on every response; older Rust servers and the Java server send
 * none.
 */
public enum ProtocolVersionCheck {
  /** Every response must carry {@code vss-protocol-version: 0}, as vss-client 0.6.0 requires. */
  STRICT,
  /**
   * A missing header is accepted (with one warning per store); a header with another value is still
   * refused, since the server then speaks a protocol this client does not know.
   */
  LENIENT
}
