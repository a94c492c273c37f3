package io.lnkv.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.ConflictException;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.KeyNotFoundException;
import io.lnkv.StoreLockedException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PostgresStoreTest {
  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(PgTestServer.url());
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private static String query(String q) throws Exception {
    try (Connection c = DriverManager.getConnection(PgTestServer.url());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(q)) {
      return r.next() ? r.getString(1) : null;
    }
  }

  /** The writer "pauses" past its lease: simulated by expiring its row. */
  private static void expireLease(String table) throws Exception {
    sql(
        "UPDATE lnkv.writer_leases SET expires_at = now() - interval '1 second'"
            + " WHERE table_name = '"
            + table
            + "'");
  }

  @Test
  void connections_commitSynchronously_evenWhenTheDatabaseDefaultIsOff() throws Exception {
    sql(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off',"
            + " current_database()); END $$");
    try {
      try (PostgresStore store = PgTestServer.builder(PgTestServer.freshTable()).build()) {
        assertThat(store.sessionSetting("synchronous_commit")).isEqualTo("on");
      }
    } finally {
      sql(
          "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET synchronous_commit',"
              + " current_database()); END $$");
    }
  }

  @Test
  void schema_isLdkNodes() throws Exception {
    String table = PgTestServer.freshTable();
    try (PostgresStore store = PgTestServer.builder(table).build()) {
      store.write("payments", "", "p", new byte[] {1});
    }
    assertThat(query("SELECT obj_description('" + table + "'::regclass, 'pg_class')"))
        .isEqualTo("1");
    assertThat(
            query(
                "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position)"
                    + " FROM information_schema.columns WHERE table_name = '"
                    + table
                    + "'"))
        .isEqualTo(
            "primary_namespace text, secondary_namespace text, key text, value bytea,"
                + " sort_order bigint");
    assertThat(
            query(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_" + table + "_paginated'"))
        .isEqualTo("1");
  }

  @Test
  void aTableWrittenByLdkNode_readsBack_inItsOrder() throws Exception {
    String table = PgTestServer.freshTable();
    sql(
        "CREATE TABLE "
            + table
            + " (primary_namespace TEXT NOT NULL,"
            + " secondary_namespace TEXT NOT NULL DEFAULT '', key TEXT NOT NULL CHECK (key <> ''),"
            + " value BYTEA, sort_order BIGINT NOT NULL DEFAULT 0,"
            + " PRIMARY KEY (primary_namespace, secondary_namespace, key))");
    sql("COMMENT ON TABLE " + table + " IS '1'");
    sql(
        "INSERT INTO "
            + table
            + " VALUES ('payments', '', 'a', '\\x01', 5), ('payments', '', 'b',"
            + " '\\x02', 9), ('payments', '', 'c', '\\x03', 9)");
    try (PostgresStore store = PgTestServer.builder(table).build()) {
      assertThat(store.listPaginated("payments", "", null).keys()).containsExactly("b", "c", "a");
      assertThat(store.read("payments", "", "a")).containsExactly(1);
      store.write("payments", "", "d", new byte[] {4});
      assertThat(store.listPaginated("payments", "", null).keys().get(0)).isEqualTo("d");
    }
  }

  @Test
  void aNewerSchemaVersion_isRefused() throws Exception {
    String table = PgTestServer.freshTable();
    PgTestServer.builder(table).build().close();
    sql("COMMENT ON TABLE " + table + " IS '2'");
    assertThatThrownBy(() -> PgTestServer.builder(table).build())
        .isInstanceOf(IncompatibleStoreException.class)
        .hasMessageContaining("schema version is 2");
  }

  @Test
  void secondWriter_isRefused_namingTheHolder() {
    String table = PgTestServer.freshTable();
    try (PostgresStore first = PgTestServer.builder(table).build()) {
      first.write("", "", "k", new byte[] {1});
      assertThatThrownBy(() -> PgTestServer.builder(table).build())
          .isInstanceOf(StoreLockedException.class)
          .hasMessageContaining("lnkv writer pid " + ProcessHandle.current().pid());
    }
    try (PostgresStore again = PgTestServer.builder(table).build()) { // released on close
      assertThat(again.read("", "", "k")).containsExactly(1);
    }
  }

  @Test
  void writerWhoseLeaseWasTakenOver_cannotCommit() throws Exception {
    String table = PgTestServer.freshTable();
    PostgresStore stale = PgTestServer.builder(table).build();
    try {
      stale.write("", "", "k", new byte[] {1});
      // ...and its advisory lock's session ended (a network partition the server noticed)
      expireLease(table);
      PgTestServer.terminateWriterLockSession(table);
      try (PostgresStore taker = PgTestServer.builder(table).build()) {
        assertThatThrownBy(() -> stale.write("", "", "k", new byte[] {2}))
            .isInstanceOf(ConflictException.class)
            .hasMessageContaining("lost its lease");
        assertThatThrownBy(() -> stale.remove("", "", "k", false))
            .isInstanceOf(ConflictException.class);
        assertThat(taker.read("", "", "k")).containsExactly(1);
        taker.write("", "", "k", new byte[] {3});
        assertThat(stale.read("", "", "k")).containsExactly(3); // reads still work
      }
    } finally {
      stale.close();
    }
  }

  /**
   * A single write checks the lease in its own statement and writes only where the lease is ours
   * and unexpired; a lease that ran out with nobody taking it (a long pause) sends the write the
   * slow way, which renews it and writes.
   */
  @Test
  void aWriterWhoseLeaseRanOutUntaken_writesAndRenewsIt() throws Exception {
    String table = PgTestServer.freshTable();
    try (PostgresStore store = PgTestServer.builder(table).build()) {
      store.write("", "", "k", new byte[] {1});
      expireLease(table);
      store.write("", "", "k", new byte[] {2});
      assertThat(store.read("", "", "k")).containsExactly(2);
      assertThat(
              query(
                  "SELECT expires_at > now() FROM lnkv.writer_leases WHERE table_name = '"
                      + table
                      + "'"))
          .isEqualTo("t");
    }
  }

  /**
   * Makes every commit on {@code table} sleep (a deferred constraint trigger runs at COMMIT), and
   * returns once a session sleeps there, after ending that session: the client then sees its
   * connection break during the COMMIT, whose outcome it cannot know.
   */
  private static void slowCommits(String table) throws Exception {
    sql(
        "CREATE OR REPLACE FUNCTION lnkv_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$");
    sql(
        "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON "
            + table
            + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION"
            + " lnkv_test_slow_commit()");
  }

  private static void endTheSessionSleepingInCommit() throws Exception {
    for (int i = 0; i < 200; i++) {
      String ended =
          query(
              "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                  + " WHERE wait_event = 'PgSleep' AND query NOT LIKE '%pg_stat_activity%'");
      if (!"0".equals(ended)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no session slept in its commit");
  }

  /**
   * A write whose connection breaks during its commit may have landed: the store must say so, and a
   * QueuedStore over it must not report "nothing was applied". Before, both did.
   */
  @Test
  void aCommitWhoseConnectionBreaks_isReportedInDoubt() throws Exception {
    String table = PgTestServer.freshTable();
    try (PostgresStore store =
        PgTestServer.builder(table).retryWindow(java.time.Duration.ZERO).build()) {
      slowCommits(table);
      CompletableFuture<Void> single =
          CompletableFuture.runAsync(() -> store.write("", "", "single", new byte[] {1}));
      endTheSessionSleepingInCommit();
      assertThatThrownBy(() -> single.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(io.lnkv.StoreException.class)
          .hasMessageContaining("may or may not have taken effect")
          .satisfies(e -> assertThat(((io.lnkv.StoreException) e).mayHaveTakenEffect()).isTrue());

      io.lnkv.queue.QueuedStore queue =
          io.lnkv.queue.QueuedStore.builder(store).build(); // not closed: it would commit again
      queue.write("", "", "a", new byte[] {1});
      queue.write("", "", "b", new byte[] {2});
      CompletableFuture<io.lnkv.queue.CommitResult> commit =
          CompletableFuture.supplyAsync(queue::commit);
      endTheSessionSleepingInCommit();
      assertThatThrownBy(() -> commit.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(io.lnkv.queue.CommitFailedException.class)
          .hasMessageNotContaining("Nothing was applied")
          .satisfies(e -> assertThat(((io.lnkv.queue.CommitFailedException) e).inDoubt()).isTrue());
      assertThat(queue.pendingCount()).isEqualTo(2);
    }
  }

  /**
   * A failure before the COMMIT rolled the transaction back: nothing was applied, and it says so.
   */
  @Test
  void aWriteRefusedBeforeItsCommit_isNotInDoubt() throws Exception {
    String table = PgTestServer.freshTable();
    try (PostgresStore store = PgTestServer.builder(table).build()) {
      sql("ALTER TABLE " + table + " ADD CONSTRAINT small CHECK (length(value) < 4)");
      assertThatThrownBy(() -> store.write("", "", "k", new byte[] {1, 2, 3, 4, 5}))
          .isInstanceOf(io.lnkv.StoreException.class)
          .hasMessageContaining("Nothing was written")
          .satisfies(e -> assertThat(((io.lnkv.StoreException) e).mayHaveTakenEffect()).isFalse());
    }
  }

  @Test
  void serverRestart_duringWrites_losesNothingAcknowledged_andNeedsNoReopen() throws Exception {
    String restart = System.getenv("LNKV_PG_RESTART");
    if ("true".equals(System.getenv("CI"))) {
      assertThat(restart).as("LNKV_PG_RESTART (set by ./run-tests)").isNotBlank();
    }
    assumeTrue(restart != null && !restart.isBlank(), "LNKV_PG_RESTART is not set");
    String table = PgTestServer.freshTable();
    try (PostgresStore store = PgTestServer.builder(table).ioThreads(4).build()) {
      AtomicBoolean stop = new AtomicBoolean();
      List<Integer> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  try {
                    store.write("restart", "", "k" + i, new byte[] {(byte) i});
                    acknowledged.add(i);
                  } catch (RuntimeException e) {
                    failures.add(e);
                  }
                }
              });
      Thread.sleep(300);
      Process p = new ProcessBuilder("sh", "-c", restart).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("restart: %s", output).isZero();
      Thread.sleep(500);
      stop.set(true);
      writer.get(60, TimeUnit.SECONDS);
      assertThat(acknowledged).hasSizeGreaterThan(10);
      for (int i : acknowledged) {
        assertThat(store.read("restart", "", "k" + i)).containsExactly((byte) i);
      }
      // failures, if any, are clear errors from the outage; nothing failed silently
      for (Throwable t : failures) {
        assertThat(t).hasMessageContaining("Failed to write");
      }
      store.write("restart", "", "after", new byte[] {9}); // no reopen needed
      assertThat(store.read("restart", "", "after")).containsExactly(9);
      assertThatThrownBy(() -> store.read("restart", "", "never"))
          .isInstanceOf(KeyNotFoundException.class);
    }
  }
}
