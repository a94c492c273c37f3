/** lnkv's VSS-compatible server and its SQLite and PostgreSQL storage. */
module io.lnkv.vss.server {
  requires transitive io.lnkv.vss;
  requires io.lnkv.sqlite;
  requires io.lnkv.postgres;
  requires java.sql;
  requires org.eclipse.jetty.server;
  requires org.eclipse.jetty.http;
  requires org.eclipse.jetty.io;
  requires org.eclipse.jetty.util;
  requires org.eclipse.jetty.http2.server;
  requires org.eclipse.jetty.alpn.server;
  requires org.bouncycastle.pkix;
  requires org.bouncycastle.provider;
  requires org.slf4j;
  requires com.google.protobuf;
  requires com.zaxxer.hikari;
  requires com.nimbusds.jose.jwt;
  requires micrometer.core;
  requires micrometer.registry.prometheus;

  exports io.lnkv.vss.server;
}
