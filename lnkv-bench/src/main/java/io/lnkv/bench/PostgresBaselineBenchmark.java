package io.lnkv.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * PostgreSQL's own floor for a durable single write: a one-row upsert in autocommit over plain JDBC
 * on one connection to the same server (LNKV_PG_URL), 256-byte values, each commit durable by the
 * server's own synchronous_commit. The store's single write is read against it: what the lease
 * check, the pool and the store's code add.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PostgresBaselineBenchmark {
  private Connection connection;
  private PreparedStatement upsert;
  private String table;
  private final byte[] value = new byte[256];
  private int n;

  /** Connects and creates a table of ldk-node's shape. */
  @Setup(Level.Trial)
  public void setUp() throws SQLException {
    connection = DriverManager.getConnection(System.getenv("LNKV_PG_URL"));
    table = "lnkv_bench_jdbc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Statement s = connection.createStatement()) {
      s.execute(
          "CREATE TABLE "
              + table
              + " (primary_namespace TEXT NOT NULL, secondary_namespace TEXT NOT NULL,"
              + " key TEXT NOT NULL, value BYTEA, sort_order BIGINT,"
              + " PRIMARY KEY (primary_namespace, secondary_namespace, key))");
    }
    upsert =
        connection.prepareStatement(
            "INSERT INTO "
                + table
                + " (primary_namespace, secondary_namespace, key, value, sort_order)"
                + " VALUES ('bench', '', ?, ?, ?) ON CONFLICT (primary_namespace,"
                + " secondary_namespace, key) DO UPDATE SET value = excluded.value");
  }

  /** Drops the table and disconnects. */
  @TearDown(Level.Trial)
  public void tearDown() throws SQLException {
    upsert.close();
    try (Statement s = connection.createStatement()) {
      s.execute("DROP TABLE " + table);
    }
    connection.close();
  }

  /** One autocommitted upsert of one of 100 keys. */
  @Benchmark
  public int write() throws SQLException {
    BenchStores.stamp(value, n);
    upsert.setString(1, "k" + (n % 100));
    upsert.setBytes(2, value);
    upsert.setLong(3, n++);
    return upsert.executeUpdate();
  }
}
