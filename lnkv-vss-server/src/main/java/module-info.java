/** lnkv's VSS-compatible server and its SQLite and PostgreSQL storage. */
module io.lnkv.vss.server {
  requires transitive io.lnkv.vss;
  requires io.lnkv.sqlite;
  requires io.lnkv.postgres;
  requires java.sql;
  requires jdk.httpserver;
  requires org.slf4j;
  requires com.google.protobuf;
  requires com.zaxxer.hikari;
  requires com.fasterxml.jackson.databind;

  exports io.lnkv.vss.server;
}
