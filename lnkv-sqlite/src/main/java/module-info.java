/** The SQLite store, compatible with LDK's and ldk-node's SQLite schema. */
module io.lnkv.sqlite {
  requires transitive io.lnkv.core;
  requires transitive java.sql;
  requires org.slf4j;
  requires com.sun.jna; // resolved for io.lnkv.core, which locks the database file with flock(2)
  requires org.xerial.sqlitejdbc;

  exports io.lnkv.sqlite;
}
