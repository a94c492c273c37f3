package io.lnkv.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lnkv.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pools of everything lnkv keeps in PostgreSQL (PostgresStore, and lnkv serve's
 * storage): every connection commits synchronously whatever the database or role defaults say (a
 * commit is durable when it returns), and a server running with {@code fsync=off} is warned about
 * once per pool, since no client setting can make its commits survive a power cut.
 */
public final class PostgresPools {
  private static final Logger log = LoggerFactory.getLogger(PostgresPools.class);

  private PostgresPools() {}

  /**
   * Opens a pool and checks the server's durability.
   *
   * @param user the user, or null when the URL names it
   * @param password the password, or null when the URL holds it (never logged)
   * @param readOnly whether the pool's transactions are read-only on the server
   * @param where how messages name what the pool serves (no password in it)
   * @throws StoreException if the server cannot be reached
   */
  public static HikariDataSource open(
      String jdbcUrl,
      String user,
      String password,
      int maxConnections,
      String poolName,
      boolean readOnly,
      String where) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(maxConnections);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(10_000);
    config.setInitializationFailTimeout(10_000);
    config.setPoolName(poolName);
    config.setReadOnly(readOnly);
    // A commit must be durable when it returns, whatever the database or role defaults say.
    config.setConnectionInitSql("SET synchronous_commit = on");
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException("Failed to connect to " + where + ": " + e.getMessage(), e);
    }
    if (!readOnly) {
      try (Connection c = pool.getConnection()) {
        String fsync = setting(c, "fsync");
        if (!"on".equalsIgnoreCase(fsync)) {
          log.warn(
              "{}: the server runs with fsync={}: a power cut or an OS crash can lose"
                  + " acknowledged writes. Set fsync = on in postgresql.conf for node state",
              where,
              fsync);
        }
      } catch (SQLException e) {
        pool.close();
        throw new StoreException("Failed to connect to " + where + ": " + e.getMessage(), e);
      }
    }
    return pool;
  }

  /** A setting as a connection sees it ({@code SELECT current_setting(name)}). */
  public static String setting(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT current_setting(?)")) {
      ps.setString(1, name);
      try (ResultSet r = ps.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }
}
