package io.lnkv.internal;

import io.lnkv.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for a SQLite database: the one thread that writes to it. Callers hand it units of
 * work and wait; it takes every unit waiting in the queue, applies them in one transaction and
 * commits once, so that with {@code synchronous=FULL} many concurrent writes share one fsync of the
 * WAL. Each caller returns only after the transaction holding its unit is durable. Used by the
 * SQLite store and by the VSS server's SQLite storage.
 *
 * <p>Units of a group are applied one after another, each seeing the ones before it. A unit that
 * throws (an {@link SQLException} or a {@link RuntimeException}: a version conflict, say) is rolled
 * back to a savepoint taken before it, and fails alone once the rest of the group has committed. If
 * the group's transaction itself fails (the commit, a rollback to a savepoint that SQLite already
 * ended, an {@link Error}), it is rolled back and each unit is retried in a transaction of its own,
 * so one bad unit fails alone. Units are therefore written to be re-applicable (upserts, deletes,
 * checks that read what they decide on). A unit is all-or-nothing: an atomic batch is one unit.
 *
 * <p>Hazard: the write connection belongs to the committer thread; nothing else may touch it.
 */
public final class GroupCommitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
  private static final int MAX_GROUP = 1024;

  /** Work applied inside the committer's transaction. */
  @FunctionalInterface
  public interface Unit {
    /** Applies the unit's changes on {@code connection}, inside the group's transaction. */
    void apply(Connection connection) throws SQLException;
  }

  private record Pending(Unit unit, CompletableFuture<Void> done) {}

  private static final Pending STOP = new Pending(c -> {}, new CompletableFuture<>());

  private final Connection connection;
  private final String where;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong units = new AtomicLong();
  private volatile boolean stopped;
  private volatile boolean terminated; // the thread takes nothing more from the queue

  /**
   * Starts the committer's thread.
   *
   * @param connection the database's write connection, owned by the committer from now on
   * @param where the database, for messages
   */
  public GroupCommitter(Connection connection, String where) {
    this.connection = connection;
    this.where = where;
    this.thread = new Thread(this::run, "lnkv-sqlite-commit");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Applies the unit in a committed transaction, waiting until it is durable.
   *
   * @throws SQLException the unit's own failure (nothing of it applied)
   * @throws StoreException if the committer is stopped, or the wait was interrupted (the unit may
   *     then still commit)
   */
  public void submit(Unit unit) throws SQLException {
    if (stopped) {
      throw closedException();
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Pending pending = new Pending(unit, done);
    queue.add(pending);
    if (terminated && queue.remove(pending)) {
      // close() raced this submit and the thread is gone: nobody else would complete it
      done.completeExceptionally(closedException());
    }
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          "Interrupted while waiting for a commit in " + where + "; the write may still commit", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SQLException sql) {
        throw sql;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new StoreException("Commit failed in " + where + ": " + cause, cause);
    }
  }

  private StoreException closedException() {
    return new StoreException(where + " is closed; open the store again to use it");
  }

  /** Transactions committed so far. */
  public long commits() {
    return commits.get();
  }

  /** Units waiting for the committer to take them (for tests). */
  public int queued() {
    return queue.size();
  }

  /** Units committed so far. */
  public long units() {
    return units.get();
  }

  private void run() {
    List<Pending> group = new ArrayList<>();
    while (true) {
      try {
        group.add(queue.take());
      } catch (InterruptedException e) {
        continue; // only close() ends the loop, after draining
      }
      queue.drainTo(group, MAX_GROUP - 1);
      boolean stop = group.remove(STOP);
      if (!group.isEmpty()) {
        commitGroup(group);
      }
      group.clear();
      if (stop) {
        List<Pending> late = new ArrayList<>();
        queue.drainTo(late);
        if (!late.isEmpty()) {
          commitGroup(late);
        }
        terminated = true;
        List<Pending> tooLate = new ArrayList<>();
        queue.drainTo(tooLate);
        tooLate.forEach(p -> p.done.completeExceptionally(closedException()));
        return;
      }
    }
  }

  private void commitGroup(List<Pending> group) {
    try {
      Exception[] failed = inTransaction(group);
      commits.incrementAndGet();
      for (int i = 0; i < group.size(); i++) {
        if (failed[i] == null) {
          units.incrementAndGet();
          group.get(i).done.complete(null);
        } else {
          group.get(i).done.completeExceptionally(failed[i]);
        }
      }
      return;
    } catch (Exception | Error e) {
      // an Error too: every submitted unit completes, or its caller would wait forever
      if (group.size() == 1) {
        group.get(0).done.completeExceptionally(e);
        return;
      }
      log.debug("{}: a group of {} failed ({}); retrying one by one", where, group.size(), e);
    }
    for (Pending p : group) {
      try {
        inTransaction(List.of(p));
        commits.incrementAndGet();
        units.incrementAndGet();
        p.done.complete(null);
      } catch (Exception | Error e) {
        p.done.completeExceptionally(e);
      }
    }
  }

  /**
   * Runs the group in one transaction and commits it; returns, by position, the failure of each
   * unit that was rolled back to its savepoint (null for those committed). A group of one needs no
   * savepoint: its unit's failure fails the transaction. When the transaction fails, the failure is
   * what the caller sees: after a full disk, for instance, SQLite has already rolled the
   * transaction back, and the rollback and the return to autocommit then fail with "no transaction
   * is active", which must not replace the reason.
   */
  private Exception[] inTransaction(List<Pending> group) throws SQLException {
    Exception[] failed = new Exception[group.size()];
    connection.setAutoCommit(false);
    try {
      if (group.size() == 1) {
        group.get(0).unit.apply(connection);
      } else {
        for (int i = 0; i < group.size(); i++) {
          Savepoint before = connection.setSavepoint();
          try {
            group.get(i).unit.apply(connection);
          } catch (SQLException | RuntimeException e) {
            try {
              connection.rollback(before); // fails when SQLite ended the transaction itself
            } catch (SQLException gone) {
              e.addSuppressed(gone);
              throw e;
            }
            failed[i] = e;
          }
          connection.releaseSavepoint(before);
        }
      }
      connection.commit(); // with synchronous=FULL: the WAL is fsynced before this returns
    } catch (SQLException | RuntimeException | Error e) {
      try {
        connection.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      try {
        connection.setAutoCommit(true);
      } catch (SQLException reset) {
        e.addSuppressed(reset);
      }
      throw e;
    }
    connection.setAutoCommit(true);
    return failed;
  }

  /**
   * Commits what is queued, stops the thread and closes the write connection. Later submits fail.
   */
  @Override
  public void close() throws SQLException {
    stopped = true;
    queue.add(STOP);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connection.close();
  }
}
