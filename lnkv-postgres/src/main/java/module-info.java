/** The PostgreSQL store, compatible with ldk-node's PostgreSQL schema. */
module io.lnkv.postgres {
  requires transitive io.lnkv.core;
  requires java.sql;
  requires org.slf4j;
  requires com.zaxxer.hikari;
  // Loaded by name through the pool; required so that it is resolved on the module path.
  requires org.postgresql.jdbc;

  exports io.lnkv.postgres;
  exports io.lnkv.postgres.internal to
      io.lnkv.vss.server;
}
