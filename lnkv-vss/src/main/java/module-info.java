/**
 * The VSS client store: ldk-node's remote storage protocol and its encryption, over the JDK's HTTP
 * client. The wire messages are exported only to lnkv's VSS server.
 */
module io.lnkv.vss {
  requires transitive io.lnkv.core;
  requires java.net.http;
  requires org.slf4j;
  requires com.google.protobuf;
  requires org.bouncycastle.provider; // secp256k1 for signature authentication

  exports io.lnkv.vss;
  exports io.lnkv.vss.wire to
      io.lnkv.vss.server;
}
