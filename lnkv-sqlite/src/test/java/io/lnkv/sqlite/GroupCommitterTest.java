package io.lnkv.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.StoreException;
import io.lnkv.internal.GroupCommitter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every unit handed to the committer completes, normally or exceptionally, whatever happens. */
@org.junit.jupiter.api.Timeout(120)
class GroupCommitterTest {
  @TempDir Path dir;

  private GroupCommitter committer() throws Exception {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db.sqlite"));
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (k TEXT PRIMARY KEY)");
    }
    return new GroupCommitter(c, "test database");
  }

  @Test
  void unitThrowingAnError_failsItsCaller_andTheCommitterGoesOn() throws Exception {
    GroupCommitter committer = committer();
    try {
      assertThatThrownBy(
              () ->
                  committer.submit(
                      c -> {
                        throw new AssertionError("an Error in a unit");
                      }))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("an Error in a unit");
      committer.submit(insert("after"));
      assertThat(committer.units()).isEqualTo(1);
    } finally {
      committer.close();
    }
  }

  /**
   * A full disk makes SQLite roll the transaction back itself; the rollback and the return to
   * autocommit that follow then fail with "no transaction is active", which once replaced the real
   * reason in the caller's error.
   */
  @Test
  void aTransactionSqliteEndedItself_reportsTheReason_notTheCleanup() throws Exception {
    GroupCommitter committer = committer();
    try {
      assertThatThrownBy(
              () ->
                  committer.submit(
                      c -> {
                        try (Statement s = c.createStatement()) {
                          s.execute("ROLLBACK"); // as SQLite does on SQLITE_FULL
                        }
                        throw new java.sql.SQLException("database or disk is full");
                      }))
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessage("database or disk is full");
      committer.submit(insert("after"));
      assertThat(committer.units()).isEqualTo(1);
    } finally {
      committer.close();
    }
  }

  /**
   * A unit that fails inside a group (a version conflict, say) is rolled back to its savepoint and
   * fails alone: the others commit in the same transaction, with one fsync, and none of the failed
   * unit's changes remain. Without savepoints the whole group would be rolled back and retried one
   * transaction per unit (five commits here, not two).
   */
  @Test
  void aUnitFailingInAGroup_failsAlone_andTheGroupCommitsOnce() throws Exception {
    GroupCommitter committer = committer();
    ExecutorService pool = Executors.newFixedThreadPool(5); // a caller waits for each unit
    try {
      Holder first = holdTheCommitter(committer, pool);
      long before = committer.commits(); // the first unit's transaction is still open
      List<CompletableFuture<Void>> group = new ArrayList<>();
      for (String key : List.of("a", "b", "c", "d")) {
        group.add(
            CompletableFuture.runAsync(
                () ->
                    submit(
                        committer,
                        c -> {
                          try (Statement s = c.createStatement()) {
                            s.execute("INSERT INTO t VALUES ('" + key + "')");
                          }
                          if (key.equals("b")) {
                            throw new io.lnkv.ConflictException("b conflicts");
                          }
                        }),
                pool));
      }
      waitForQueued(committer, 4); // all four wait behind the first unit
      first.release().countDown();
      first.done().get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 4; i++) {
        if (i == 1) {
          assertThatThrownBy(group.get(i)::join).hasRootCauseMessage("b conflicts");
        } else {
          group.get(i).get(10, TimeUnit.SECONDS);
        }
      }
      assertThat(committer.commits() - before)
          .as("the first unit's commit, then the group's")
          .isEqualTo(2);
    } finally {
      pool.shutdownNow();
      committer.close();
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db.sqlite"));
        Statement s = c.createStatement();
        java.sql.ResultSet rs =
            s.executeQuery("SELECT group_concat(k) FROM (SELECT k FROM t ORDER BY k)")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("a,c,d");
    }
  }

  /**
   * A lone writer commits on its own thread: no hand-off to a committer thread and back, which cost
   * two thread wake-ups per durable write.
   */
  @Test
  void aLoneWriter_commitsOnItsOwnThread() throws Exception {
    GroupCommitter committer = committer();
    try {
      Thread[] ranOn = new Thread[1];
      committer.submit(c -> ranOn[0] = Thread.currentThread());
      assertThat(ranOn[0]).isSameAs(Thread.currentThread());
      assertThat(committer.commits()).isEqualTo(1);
    } finally {
      committer.close();
    }
  }

  /**
   * A caller interrupted while its unit waits behind a commit in progress withdraws it: the unit
   * never runs, the caller learns that nothing was written, and the units queued behind it still
   * commit (one of them leads in its place).
   */
  @Test
  void anInterruptedCallerWhoseUnitWasNotTaken_withdrawsIt_andTheOthersCommit() throws Exception {
    GroupCommitter committer = committer();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Holder first = holdTheCommitter(committer, pool);
      java.util.concurrent.atomic.AtomicBoolean withdrawnRan =
          new java.util.concurrent.atomic.AtomicBoolean();
      CompletableFuture<Thread> withdrawnCaller = new CompletableFuture<>();
      CompletableFuture<Void> withdrawn =
          CompletableFuture.runAsync(
              () -> {
                withdrawnCaller.complete(Thread.currentThread());
                submit(committer, c -> withdrawnRan.set(true));
              },
              pool);
      waitForQueued(committer, 1);
      CompletableFuture<Void> behind =
          CompletableFuture.runAsync(() -> submit(committer, insert("behind")), pool);
      waitForQueued(committer, 2);
      withdrawnCaller.get(10, TimeUnit.SECONDS).interrupt();
      assertThatThrownBy(() -> withdrawn.get(10, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(InterruptedException.class)
          .hasMessageContaining("was not applied");
      first.release().countDown();
      first.done().get(10, TimeUnit.SECONDS);
      behind.get(10, TimeUnit.SECONDS);
      assertThat(withdrawnRan).isFalse();
      assertThat(committer.units()).isEqualTo(2);
    } finally {
      pool.shutdownNow();
      committer.close();
    }
  }

  /** A unit that holds the committer until released, and its caller's completion. */
  private record Holder(
      CompletableFuture<Void> done, java.util.concurrent.CountDownLatch release) {}

  /** Submits a unit that holds the committer, so that the units submitted next queue behind it. */
  private static Holder holdTheCommitter(GroupCommitter committer, ExecutorService pool)
      throws InterruptedException {
    java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Void> done =
        CompletableFuture.runAsync(
            () ->
                submit(
                    committer,
                    c -> {
                      holding.countDown();
                      await(release);
                    }),
            pool);
    holding.await();
    return new Holder(done, release);
  }

  private static GroupCommitter.Unit insert(String key) {
    return c -> {
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO t VALUES ('" + key + "')");
      }
    };
  }

  private static void waitForQueued(GroupCommitter committer, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (committer.queued() < count) {
      assertThat(System.nanoTime()).as(count + " units queued within 30 s").isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  private static void submit(GroupCommitter committer, GroupCommitter.Unit unit) {
    try {
      committer.submit(unit);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(java.util.concurrent.CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void submitsRacingClose_allComplete() throws Exception {
    for (int round = 0; round < 20; round++) {
      GroupCommitter committer = committer();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<CompletableFuture<Void>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String key = "k" + i;
        calls.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    committer.submit(
                        c -> {
                          try (Statement s = c.createStatement()) {
                            s.execute("INSERT OR REPLACE INTO t VALUES ('" + key + "')");
                          }
                        });
                  } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                  }
                },
                pool));
      }
      committer.close();
      for (CompletableFuture<Void> call : calls) {
        try {
          call.get(10, TimeUnit.SECONDS); // a call left waiting would time out here
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause())
              .isInstanceOf(StoreException.class)
              .hasMessageContaining("closed");
        }
      }
      pool.shutdownNow();
      Path db = dir.resolve("db.sqlite");
      java.nio.file.Files.deleteIfExists(db);
    }
  }
}
