package io.lnkv.vss.server;

import com.zaxxer.hikari.HikariDataSource;
import io.lnkv.internal.GroupCommitter;
import io.lnkv.internal.Transactions;
import io.lnkv.postgres.internal.PostgresPools;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * {@link SqlVssStorage} in PostgreSQL: each put is a transaction on a pooled connection, whose
 * statements' row counts decide it; row locks are taken in key order, so any number of servers on
 * one database serialize correctly and cannot deadlock.
 */
final class PostgresVssStorage extends SqlVssStorage {
  private PostgresVssStorage(HikariDataSource pool, String description) {
    super(pool, VssTable.Dialect.POSTGRES, description);
  }

  static PostgresVssStorage open(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "Invalid PostgreSQL JDBC URL: expected jdbc:postgresql://host[:port]/db");
    }
    int query = jdbcUrl.indexOf('?');
    String description =
        "PostgreSQL "
            + io.lnkv.internal.Secrets.mask(query < 0 ? jdbcUrl : jdbcUrl.substring(0, query));
    // the stores' pool: synchronous commits whatever the server's defaults, fsync=off warned about
    return new PostgresVssStorage(
        PostgresPools.open(jdbcUrl, null, null, 16, "lnkv-vss-pg", false, description),
        description);
  }

  @Override
  void inTransaction(GroupCommitter.Unit work) throws SQLException {
    try (Connection c = pooledConnection()) {
      Transactions.run(
          c,
          tx -> {
            work.apply(tx);
            return null;
          });
    }
  }

  @Override
  void closeWriter() {
    // the pool is all it has
  }
}
