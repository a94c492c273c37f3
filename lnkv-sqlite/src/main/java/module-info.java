/** The SQLite store, compatible with LDK's and ldk-node's SQLite schema. */
module io.lnkv.sqlite {
  requires transitive io.lnkv.core;
  requires transitive java.sql;
  requires org.slf4j;
  requires org.xerial.sqlitejdbc;

  exports io.lnkv.sqlite;
}
