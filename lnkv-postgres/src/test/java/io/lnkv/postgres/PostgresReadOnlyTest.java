package io.lnkv.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.StoreException;
import io.lnkv.StoreNotFoundException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Read-only opens: beside the lease holder, taking no lease, creating no table. */
class PostgresReadOnlyTest {
  private static boolean tableExists(String table) throws Exception {
    try (Connection c = DriverManager.getConnection(PgTestServer.url());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT to_regclass('" + table + "')")) {
      return r.next() && r.getString(1) != null;
    }
  }

  @Test
  void besideTheLeaseHolder_readsItsData_andTakesNoLease() throws Exception {
    String table = PgTestServer.freshTable();
    try (PostgresStore writer = PgTestServer.builder(table).build()) {
      writer.write("monitors", "", "m", new byte[] {4});
      try (PostgresStore reader = PgTestServer.builder(table).readOnly().build()) {
        assertThat(reader.read("monitors", "", "m")).containsExactly(4);
        assertThat(reader.listPaginated("monitors", "", null).keys()).containsExactly("m");
        assertThatThrownBy(() -> reader.write("monitors", "", "x", new byte[] {1}))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("read-only");
      }
      writer.write("monitors", "", "m2", new byte[] {5}); // the writer kept its lease
    }
  }

  @Test
  void aMissingTable_isNotFound_andNothingIsCreated() throws Exception {
    String table = PgTestServer.freshTable();
    assertThatThrownBy(() -> PgTestServer.builder(table).readOnly().build())
        .isInstanceOf(StoreNotFoundException.class)
        .hasMessageContaining("no table " + table);
    assertThat(tableExists(table)).isFalse();
    assertThat(tableExists(table + "_lease")).isFalse();
    try (Connection c = DriverManager.getConnection(PgTestServer.url());
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT count(*) FROM pg_class WHERE relname = 'writer_leases'"
                    + " AND relnamespace = to_regnamespace('lnkv')")) {
      r.next();
      if (r.getInt(1) == 1) { // another test made the lease table: no row for this one
        try (ResultSet rows =
            s.executeQuery(
                "SELECT count(*) FROM lnkv.writer_leases WHERE table_name = '" + table + "'")) {
          rows.next();
          assertThat(rows.getInt(1)).isZero();
        }
      }
    }
  }
}
