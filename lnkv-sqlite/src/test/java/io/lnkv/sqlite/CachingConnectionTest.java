package io.lnkv.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.internal.CachingConnection;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Statements kept per SQLite connection: reused, clean when reused, never holding a snapshot. */
class CachingConnectionTest {
  @TempDir Path dir;

  private Connection open() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db.sqlite"));
  }

  @Test
  void theSameSql_reusesOneCompiledStatement_withItsParametersCleared() throws Exception {
    try (Connection c = CachingConnection.wrap(open())) {
      PreparedStatement first;
      try (PreparedStatement ps = c.prepareStatement("SELECT ?")) {
        first = ps.unwrap(PreparedStatement.class);
        ps.setString(1, "secret");
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("secret");
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT ?")) {
        assertThat(ps.unwrap(PreparedStatement.class)).isSameAs(first);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getString(1)).as("the last caller's parameter is gone").isNull();
        }
      }
    }
  }

  /** Pools and maps of connections rely on equals: a wrapped connection is equal to itself. */
  @Test
  void aWrappedConnectionAndItsStatements_areEqualToThemselvesOnly() throws Exception {
    try (Connection c = CachingConnection.wrap(open());
        Connection other = CachingConnection.wrap(open());
        PreparedStatement ps = c.prepareStatement("SELECT 1")) {
      // equals called directly: assertion libraries and hash maps compare references first
      assertThat(c.equals(c)).isTrue();
      assertThat(c.equals(other)).isFalse();
      assertThat(ps.equals(ps)).isTrue();
      assertThat(c.hashCode()).isEqualTo(System.identityHashCode(c));
    }
  }

  @Test
  void theSameSqlWhileLent_isAStatementOfItsOwn() throws Exception {
    try (Connection c = CachingConnection.wrap(open());
        PreparedStatement outer = c.prepareStatement("SELECT ?");
        PreparedStatement inner = c.prepareStatement("SELECT ?")) {
      assertThat(inner.unwrap(PreparedStatement.class))
          .isNotSameAs(outer.unwrap(PreparedStatement.class));
      outer.setInt(1, 1);
      inner.setInt(1, 2);
      try (ResultSet a = outer.executeQuery();
          ResultSet b = inner.executeQuery()) {
        a.next();
        b.next();
        assertThat(a.getInt(1)).isEqualTo(1);
        assertThat(b.getInt(1)).isEqualTo(2);
      }
    }
  }

  /**
   * A kept statement must not hold a read snapshot: one that did would stop every checkpoint from
   * completing, and the WAL would grow without end.
   */
  @Test
  void aKeptReadStatement_holdsNoSnapshot_soACheckpointCompletes() throws Exception {
    try (Connection writer = open();
        Connection reader = CachingConnection.wrap(open())) {
      try (Statement s = writer.createStatement()) {
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
        s.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
      }
      try (PreparedStatement ps = reader.prepareStatement("SELECT v FROM t WHERE k = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
        }
      }
      try (Statement s = writer.createStatement()) {
        s.execute("INSERT INTO t VALUES (3, 'c')");
        try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
          rs.next();
          assertThat(rs.getInt(1)).as("busy: a reader holds the WAL").isZero();
        }
      }
    }
  }

  @Test
  void theLeastRecentlyUsed_isFinalizedPastTheLimit_andCloseFinalizesTheRest() throws Exception {
    Connection c = CachingConnection.wrap(open());
    PreparedStatement oldest;
    try (PreparedStatement ps = c.prepareStatement("SELECT 0")) {
      oldest = ps.unwrap(PreparedStatement.class);
    }
    PreparedStatement newest = null;
    for (int i = 1; i <= 64; i++) {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + i)) {
        newest = ps.unwrap(PreparedStatement.class);
      }
    }
    assertThat(oldest.isClosed()).isTrue();
    assertThat(newest.isClosed()).isFalse();
    c.close();
    assertThat(newest.isClosed()).isTrue();
  }
}
