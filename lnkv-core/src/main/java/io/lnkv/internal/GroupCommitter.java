package io.lnkv.internal;

import io.lnkv.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for a SQLite database: its one writer at a time. Callers hand it units of work and
 * wait; the caller at the head of the queue becomes the group's leader, takes every unit waiting at
 * that moment, applies them in one transaction and commits once, so that with {@code
 * synchronous=FULL} many concurrent writes share one fsync of the WAL. Each caller returns only
 * after the transaction holding its unit is durable. Used by the SQLite store and by the VSS
 * server's SQLite storage.
 *
 * <p>Why the caller leads rather than a committer thread: a lone writer then commits on its own
 * thread, without the two thread wake-ups (hand the unit over, hand the result back) that a
 * dedicated thread costs on every write; measured, those wake-ups were most of what a single
 * durable write cost beyond SQLite's own commit. Under concurrency nothing changes: while a leader
 * commits, the others queue, and the next at the head commits them all as one group.
 *
 * <p>Units of a group are applied one after another, each seeing the ones before it. A unit that
 * throws (an {@link SQLException} or a {@link RuntimeException}: a version conflict, say) is rolled
 * back to a savepoint taken before it, and fails alone once the rest of the group has committed. If
 * the group's transaction itself fails (the commit, a rollback to a savepoint that SQLite already
 * ended, an {@link Error}), it is rolled back and each unit is retried in a transaction of its own,
 * so one bad unit fails alone. Units are therefore written to be re-applicable (upserts, deletes,
 * checks that read what they decide on). A unit is all-or-nothing: an atomic batch is one unit.
 *
 * <p>Hazard: the write connection belongs to the committer; only the leader of the moment touches
 * it, and nothing outside this class may.
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

  /** A submitted unit; its fields are guarded by the committer's lock. */
  private static final class Pending {
    final Unit unit;
    final Condition turn; // signalled when the unit is done or its caller is to lead
    boolean taken; // in the group a leader is committing
    boolean done;
    Throwable failure; // when done: null if committed

    Pending(Unit unit, Condition turn) {
      this.unit = unit;
      this.turn = turn;
    }
  }

  private final Connection connection;
  private final String where;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition emptied = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // the leader's group at its head
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong units = new AtomicLong();
  private boolean closed; // guarded by lock

  /**
   * A committer for the database's write connection.
   *
   * @param connection the database's write connection, owned by the committer from now on (which
   *     keeps the statements units prepare on it: {@link CachingConnection})
   * @param where the database, for messages
   */
  public GroupCommitter(Connection connection, String where) {
    this.connection = CachingConnection.wrap(connection);
    this.where = where;
  }

  /**
   * Applies the unit in a committed transaction, waiting until it is durable. The unit may run on
   * this thread (as the leader of a group, committing other callers' units too) or on another
   * caller's.
   *
   * @throws SQLException the unit's own failure (nothing of it applied)
   * @throws StoreException if the committer is closed; if the wait was interrupted (the message
   *     says whether the unit may still commit or was withdrawn unapplied); if the group's
   *     transaction failed with an {@link Error}
   */
  public void submit(Unit unit) throws SQLException {
    Pending pending;
    List<Pending> group = null;
    lock.lock();
    try {
      if (closed) {
        throw closedException();
      }
      pending = new Pending(unit, lock.newCondition());
      queue.addLast(pending);
      while (!pending.done && queue.peekFirst() != pending) {
        try {
          pending.turn.await();
        } catch (InterruptedException e) {
          throw withdraw(pending, e);
        }
      }
      if (!pending.done) { // at the head, with no group in flight: lead one
        group = new ArrayList<>(Math.min(queue.size(), MAX_GROUP));
        for (Pending p : queue) {
          if (group.size() == MAX_GROUP) {
            break;
          }
          p.taken = true;
          group.add(p);
        }
      }
    } finally {
      lock.unlock();
    }
    if (group != null) {
      lead(group);
    }
    report(pending.failure);
  }

  /** Commits the group, then completes its units and wakes the next leader, whatever happens. */
  private void lead(List<Pending> group) {
    Throwable[] failed = new Throwable[group.size()];
    try {
      commitGroup(group, failed);
    } catch (RuntimeException | Error e) { // a bug above: no caller may wait forever
      java.util.Arrays.fill(failed, e);
    } finally {
      lock.lock();
      try {
        for (int i = 0; i < group.size(); i++) {
          Pending p = queue.pollFirst();
          p.done = true;
          p.failure = failed[i];
          p.turn.signal();
        }
        Pending next = queue.peekFirst();
        if (next != null) {
          next.turn.signal();
        } else {
          emptied.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * An interrupted caller: a unit no leader has taken is withdrawn unapplied; a taken one is being
   * committed and may still be. Runs under the lock.
   */
  private StoreException withdraw(Pending pending, InterruptedException e) {
    Thread.currentThread().interrupt();
    if (pending.taken) {
      return new StoreException(
          "Interrupted while waiting for a commit in " + where + "; the write may still commit", e);
    }
    boolean wasHead = queue.peekFirst() == pending;
    queue.remove(pending);
    Pending next = queue.peekFirst();
    if (wasHead && next != null) {
      next.turn.signal(); // it was to lead; the next in line leads instead
    } else if (next == null) {
      emptied.signalAll();
    }
    return new StoreException(
        "Interrupted while waiting to commit in " + where + "; the write was not applied", e);
  }

  private void report(Throwable failure) throws SQLException {
    if (failure == null) {
      return;
    }
    if (failure instanceof SQLException sql) {
      throw sql;
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    throw new StoreException("Commit failed in " + where + ": " + failure, failure);
  }

  private StoreException closedException() {
    return new StoreException(where + " is closed; open the store again to use it");
  }

  /**
   * The value of SQLite's {@code PRAGMA name} on the write connection, read inside a group's
   * transaction as a unit sees it: for tests that pin the settings durability rests on ({@code
   * synchronous}, {@code journal_mode}).
   */
  public String pragma(String name) throws SQLException {
    if (!name.matches("[a-z_]+")) {
      throw new IllegalArgumentException("not a PRAGMA name: " + name);
    }
    String[] value = new String[1];
    submit(
        c -> {
          try (java.sql.Statement s = c.createStatement();
              java.sql.ResultSet r = s.executeQuery("PRAGMA " + name)) {
            value[0] = r.next() ? r.getString(1) : null;
          }
        });
    return value[0];
  }

  /** Transactions committed so far. */
  public long commits() {
    return commits.get();
  }

  /** Units waiting for a leader to take them (for tests). */
  public int queued() {
    lock.lock();
    try {
      return (int) queue.stream().filter(p -> !p.taken).count();
    } finally {
      lock.unlock();
    }
  }

  /** Units committed so far. */
  public long units() {
    return units.get();
  }

  /** Commits the group, leaving in {@code failed} what each unit's caller is to see. */
  private void commitGroup(List<Pending> group, Throwable[] failed) {
    try {
      Exception[] rolledBack = inTransaction(group);
      commits.incrementAndGet();
      for (int i = 0; i < group.size(); i++) {
        failed[i] = rolledBack[i];
        if (rolledBack[i] == null) {
          units.incrementAndGet();
        }
      }
      return;
    } catch (Exception | Error e) {
      // an Error too: every submitted unit completes, or its caller would wait forever
      if (group.size() == 1) {
        failed[0] = e;
        return;
      }
      log.debug("{}: a group of {} failed ({}); retrying one by one", where, group.size(), e);
    }
    for (int i = 0; i < group.size(); i++) {
      try {
        inTransaction(List.of(group.get(i)));
        commits.incrementAndGet();
        units.incrementAndGet();
      } catch (Exception | Error e) {
        failed[i] = e;
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
    return Transactions.run(
        connection,
        c -> {
          Exception[] failed = new Exception[group.size()];
          if (group.size() == 1) {
            group.get(0).unit.apply(c);
            return failed;
          }
          for (int i = 0; i < group.size(); i++) {
            Savepoint before = c.setSavepoint();
            try {
              group.get(i).unit.apply(c);
            } catch (SQLException | RuntimeException e) {
              try {
                c.rollback(before); // fails when SQLite ended the transaction itself
              } catch (SQLException gone) {
                e.addSuppressed(gone);
                throw e;
              }
              failed[i] = e;
            }
            c.releaseSavepoint(before);
          }
          return failed; // committed by Transactions: with synchronous=FULL, the WAL is fsynced
        });
  }

  /**
   * Waits for the units already submitted to complete, then closes the write connection. Later
   * submits fail.
   */
  @Override
  public void close() throws SQLException {
    lock.lock();
    try {
      closed = true;
      while (!queue.isEmpty()) {
        emptied.awaitUninterruptibly(); // their callers lead; each group ends in bounded time
      }
    } finally {
      lock.unlock();
    }
    connection.close();
  }
}
