package io.lnkv.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one transaction helper's rule: the caller is told the failure that happened. A connection
 * that broke fails the rollback and the return to autocommit too, for the same reason, and those
 * must not hide why the transaction failed. (A connection stand-in, because a real driver cannot be
 * made to fail exactly there; the stores' tests run the helper against real databases.)
 */
class TransactionsTest {
  /** A connection whose rollback and setAutoCommit(true) fail as a broken one's do. */
  private static Connection broken(List<String> calls, boolean commitFails) {
    boolean[] autoCommit = {true};
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              calls.add(method.getName() + (args == null ? "" : "(" + args[0] + ")"));
              switch (method.getName()) {
                case "setAutoCommit":
                  if ((Boolean) args[0]) {
                    throw new SQLException("This connection has been closed.", "08003");
                  }
                  autoCommit[0] = false;
                  return null;
                case "getAutoCommit":
                  return autoCommit[0];
                case "rollback":
                  throw new SQLException("This connection has been closed.", "08003");
                case "commit":
                  if (commitFails) {
                    throw new SQLException("An I/O error occurred while sending", "08006");
                  }
                  return null;
                default:
                  return null;
              }
            });
  }

  @Test
  void aFailedBody_isWhatTheCallerSees_theRollbackAndResetSuppressed() {
    List<String> calls = new ArrayList<>();
    SQLException original = new SQLException("duplicate key value", "23505");
    assertThatThrownBy(
            () ->
                Transactions.run(
                    broken(calls, false),
                    c -> {
                      throw original;
                    }))
        .isSameAs(original)
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(2));
    assertThat(calls).contains("rollback", "setAutoCommit(true)");
  }

  @Test
  void aFailedCommit_isMarkedSo_keepingItsStateAndCause() {
    List<String> calls = new ArrayList<>();
    assertThatThrownBy(() -> Transactions.run(broken(calls, true), c -> "done"))
        .isInstanceOf(Transactions.CommitFailed.class)
        .hasMessageContaining("An I/O error occurred")
        .satisfies(
            e -> {
              assertThat(((SQLException) e).getSQLState()).isEqualTo("08006");
              assertThat(e.getCause()).hasMessageContaining("An I/O error occurred");
              assertThat(e.getSuppressed()).hasSize(2);
            });
  }

  @Test
  void aCommittedTransaction_isNotReportedFailed_whenOnlyTheResetFails() throws SQLException {
    String result = Transactions.run(broken(new ArrayList<>(), false), c -> "done");
    assertThat(result).isEqualTo("done");
  }
}
