package io.lnkv.queue;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.KeyNotFoundException;
import io.lnkv.MigratableKVStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.InDoubt;
import io.lnkv.spi.AbstractKVStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Why this file is long (~480 lines): the queue's contract is subtle (reads see queued writes,
// listings merge them in creation order, a commit is all or nothing) and each part is documented
// where it is kept; the Builder closes the file.
/**
 * Queues writes and removes in memory and applies them to the wrapped store on {@link #commit()},
 * as LDK's batch-persistence design does: commit at the moments data leaves the node, and what is
 * stored always matches what was sent.
 *
 * <ul>
 *   <li>Only the newest operation per key is kept; the queue is ordered by each key's latest call.
 *   <li>Reads and listings see the queue: a queued write is read back, a queued remove reads as
 *       missing. Keys created in the queue are the newest, so they lead the first page of {@link
 *       #listPaginated} (which may then hold more than the page size); later pages are the wrapped
 *       store's, without the keys queued for removal.
 *   <li>{@link #commit()}: when the wrapped store has atomic batches, all queued operations are
 *       applied as one batch, all or nothing. Otherwise they are applied in order, stopping at the
 *       first failure, and the result says the commit was not atomic; a key removed and written
 *       again in the queue is then written in place and keeps its old position in pages (a remove
 *       and a write outside a batch could lose it to a crash between them).
 *   <li>Operations that arrive during a commit are not part of it and stay queued; a key rewritten
 *       during a commit keeps its newer operation queued.
 *   <li>Optional automatic commits after a number of operations, a number of bytes, or an age. An
 *       automatic commit that fails is logged and the operations stay queued.
 * </ul>
 *
 * <p>Durability: a write or remove returns once it is queued, not durable: what is queued is lost
 * in a crash. Durable is what a commit returned for. {@link #close()} commits what is queued (call
 * {@link #discard()} first to drop it), then closes the wrapped store. Thread-safe.
 *
 * <p>Long because it carries its {@link Builder} beside the queue, and reads and pages must merge
 * the queue with the wrapped store exactly; the automatic commit by age is {@code AgeCommitter}.
 */
public final class QueuedStore extends AbstractKVStore {
  private static final Logger log = LoggerFactory.getLogger(QueuedStore.class);

  private final KVStore delegate;
  private final PaginatedKVStore paginated;
  private final MigratableKVStore migratable;
  private final int autoCommitOps;
  private final long autoCommitBytes;
  private final AgeCommitter ager; // null without an automatic commit by age

  private final Object queueLock = new Object();
  private final LinkedHashMap<ScopedKey, Pending> queue = new LinkedHashMap<>(); // queueLock
  private long createdCounter; // queueLock
  private long queuedBytes; // queueLock
  private long oldestNanos; // queueLock; when the queue last became non-empty
  private final ReentrantLock commitLock = new ReentrantLock();

  /**
   * A queued operation. {@code created} orders keys created in the queue (kept when a queued write
   * is rewritten); {@code recreate} marks a write queued after a remove of the same key, which
   * commits as that remove and then the write, so the key becomes new. Compared by identity to
   * learn whether a commit applied the newest operation of a key.
   */
  private record Pending(BatchOp op, boolean lazy, long created, boolean recreate) {
    long bytes() {
      return op instanceof BatchOp.Write w ? w.value().length : 0;
    }

    /** The operations that carry this one to the wrapped store. */
    List<BatchOp> ops() {
      return recreate ? List.of(new BatchOp.Remove(op.key()), op) : List.of(op);
    }
  }

  private <S extends PaginatedKVStore & MigratableKVStore> QueuedStore(S delegate, Builder b) {
    super("QueuedStore(" + delegate + ")", b);
    this.delegate = delegate;
    this.paginated = delegate;
    this.migratable = delegate;
    this.autoCommitOps = b.autoCommitOps;
    this.autoCommitBytes = b.autoCommitBytes;
    this.ager =
        b.autoCommitAge == null
            ? null
            : new AgeCommitter(
                b.autoCommitAge, this::oldestAgeNanos, () -> autoCommit("age"), description());
  }

  /** A builder for a queue in front of {@code delegate}; closing the queue closes it. */
  public static <S extends PaginatedKVStore & MigratableKVStore> Builder builder(S delegate) {
    return new Builder(Objects.requireNonNull(delegate, "delegate"));
  }

  /** Operations queued and not yet committed. */
  public int pendingCount() {
    synchronized (queueLock) {
      return queue.size();
    }
  }

  /** Drops every queued operation; returns how many. */
  public int discard() {
    synchronized (queueLock) {
      int n = queue.size();
      queue.clear();
      queuedBytes = 0;
      return n;
    }
  }

  /**
   * Applies the queued operations to the wrapped store: all or nothing if it has atomic batches,
   * else in order up to the first failure. One commit runs at a time.
   *
   * @throws CommitFailedException if the wrapped store refused an operation; what was not applied
   *     is still queued
   */
  public CommitResult commit() {
    commitLock.lock();
    try {
      List<Map.Entry<ScopedKey, Pending>> snapshot;
      synchronized (queueLock) {
        snapshot = new ArrayList<>(queue.entrySet());
      }
      // One operation per key, so their order across keys changes no value; in creation order,
      // keys new to the wrapped store are created there in the order they were created here.
      snapshot.sort(Comparator.comparingLong(e -> e.getValue().created()));
      if (snapshot.isEmpty()) {
        return new CommitResult(0, 0, delegate.supportsAtomicBatch());
      }
      return delegate.supportsAtomicBatch() ? commitAtomically(snapshot) : commitInOrder(snapshot);
    } finally {
      commitLock.unlock();
    }
  }

  private CommitResult commitAtomically(List<Map.Entry<ScopedKey, Pending>> snapshot) {
    List<BatchOp> ops = new ArrayList<>();
    snapshot.forEach(e -> ops.addAll(e.getValue().ops()));
    try {
      delegate.writeBatch(ops);
    } catch (StoreException e) {
      boolean inDoubt = InDoubt.mayHaveTakenEffect(e);
      throw new CommitFailedException(
          "Failed to commit "
              + ops.size()
              + " queued operations to "
              + delegate
              + " as one batch: "
              + e.getMessage()
              + (inDoubt
                  ? ". The batch may or may not have taken effect (wholly, or not at all); all"
                      + " operations are still queued. Commit again (it applies the same values)"
                      + " before anything that depends on them leaves the node"
                  : ". Nothing was applied; all are still queued"),
          new CommitResult(0, pendingCount(), true),
          null,
          inDoubt,
          e);
    }
    return new CommitResult(ops.size(), dequeue(snapshot), true);
  }

  private CommitResult commitInOrder(List<Map.Entry<ScopedKey, Pending>> snapshot) {
    List<Map.Entry<ScopedKey, Pending>> applied = new ArrayList<>();
    for (Map.Entry<ScopedKey, Pending> e : snapshot) {
      ScopedKey k = e.getKey();
      Pending p = e.getValue();
      try {
        // A re-created key is written in place here, keeping its old position in pages: removing
        // it first, outside a batch, would lose it to a crash between the remove and the write.
        if (p.op() instanceof BatchOp.Write w) {
          delegate.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), w.value());
        } else {
          delegate.remove(k.primaryNamespace(), k.secondaryNamespace(), k.key(), p.lazy());
        }
      } catch (StoreException failure) {
        int remaining = dequeue(applied);
        throw new CommitFailedException(
            "Commit to "
                + delegate
                + " was not atomic and stopped at "
                + k
                + " after applying "
                + applied.size()
                + " of "
                + snapshot.size()
                + " operations: "
                + failure.getMessage()
                + (InDoubt.mayHaveTakenEffect(failure)
                    ? ". The failed operation may or may not have taken effect; it and the "
                    : ". The failed operation and the ")
                + (snapshot.size() - applied.size() - 1)
                + " after it are still queued",
            new CommitResult(applied.size(), remaining, false),
            k,
            InDoubt.mayHaveTakenEffect(failure),
            failure);
      }
      applied.add(e);
    }
    return new CommitResult(applied.size(), dequeue(applied), false);
  }

  /** Removes the committed operations that are still the newest for their key. */
  private int dequeue(List<Map.Entry<ScopedKey, Pending>> committed) {
    synchronized (queueLock) {
      for (Map.Entry<ScopedKey, Pending> e : committed) {
        if (queue.get(e.getKey()) == e.getValue()) {
          queue.remove(e.getKey());
          queuedBytes -= e.getValue().bytes();
        }
      }
      return queue.size();
    }
  }

  @Override
  public boolean supportsAtomicBatch() {
    return delegate.supportsAtomicBatch();
  }

  // ---- queueing -----------------------------------------------------------------------------

  @Override
  protected void doWrite(ScopedKey key, byte[] value) {
    enqueue(List.of(new BatchOp.Write(key, value.clone())), false);
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    enqueue(List.of(new BatchOp.Remove(key)), lazy);
  }

  /** Queues the whole batch at once: readers see all of it or none; one commit carries it. */
  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    List<BatchOp> copies = new ArrayList<>(operations.size());
    for (BatchOp op : operations) {
      copies.add(
          op instanceof BatchOp.Write w ? new BatchOp.Write(w.key(), w.value().clone()) : op);
    }
    enqueue(copies, false);
  }

  private void enqueue(List<BatchOp> ops, boolean lazy) {
    boolean commitNow;
    synchronized (queueLock) {
      if (queue.isEmpty()) {
        oldestNanos = System.nanoTime();
      }
      for (BatchOp op : ops) {
        Pending old = queue.remove(op.key());
        if (old != null) {
          queuedBytes -= old.bytes();
        }
        boolean write = op instanceof BatchOp.Write;
        boolean rewrite = write && old != null && old.op() instanceof BatchOp.Write;
        boolean recreate = write && old != null && (old.recreate() || !rewrite);
        Pending p = new Pending(op, lazy, rewrite ? old.created() : ++createdCounter, recreate);
        queue.put(op.key(), p);
        queuedBytes += p.bytes();
      }
      commitNow = queue.size() >= autoCommitOps || queuedBytes >= autoCommitBytes;
    }
    if (commitNow) {
      autoCommit(autoCommitOps == 1 ? "every operation" : "size");
    }
  }

  private void autoCommit(String why) {
    try {
      commit();
    } catch (StoreException e) {
      log.warn(
          "{}: automatic commit ({}) failed; operations stay queued: {}",
          description(),
          why,
          e.getMessage());
    }
  }

  private long oldestAgeNanos() {
    synchronized (queueLock) {
      return queue.isEmpty() ? 0 : System.nanoTime() - oldestNanos;
    }
  }

  // ---- reading through the queue ------------------------------------------------------------

  /** The queued operations of one scope, or of all scopes when {@code primary} is null. */
  private Map<ScopedKey, Pending> snapshot(String primary, String secondary) {
    synchronized (queueLock) {
      Map<ScopedKey, Pending> out = new LinkedHashMap<>();
      queue.forEach(
          (k, p) -> {
            if (primary == null
                || (k.primaryNamespace().equals(primary)
                    && k.secondaryNamespace().equals(secondary))) {
              out.put(k, p);
            }
          });
      return out;
    }
  }

  @Override
  protected byte[] doRead(ScopedKey key) {
    Pending p;
    synchronized (queueLock) {
      p = queue.get(key);
    }
    if (p != null) {
      return p.op() instanceof BatchOp.Write w ? w.value().clone() : null;
    }
    // Not queued now. A commit removes an operation from the queue only after the wrapped store
    // applied it, so the wrapped store is at least as new as the queue was a moment ago.
    return readDelegate(key);
  }

  private byte[] readDelegate(ScopedKey key) {
    try {
      return delegate.read(key.primaryNamespace(), key.secondaryNamespace(), key.key());
    } catch (KeyNotFoundException e) {
      return null;
    }
  }

  @Override
  protected List<String> doList(String primary, String secondary) {
    Map<ScopedKey, Pending> queued = snapshot(primary, secondary); // before the store: see above
    Set<String> keys = new LinkedHashSet<>(delegate.list(primary, secondary));
    queued.forEach(
        (k, p) -> {
          if (p.op() instanceof BatchOp.Write) {
            keys.add(k.key());
          } else {
            keys.remove(k.key());
          }
        });
    return new ArrayList<>(keys);
  }

  @Override
  protected Page doListPaginated(String primary, String secondary, PageToken token, int size) {
    Map<ScopedKey, Pending> queued = snapshot(primary, secondary);
    Set<String> removed = new HashSet<>();
    List<Map.Entry<ScopedKey, Pending>> created = new ArrayList<>();
    for (Map.Entry<ScopedKey, Pending> e : queued.entrySet()) {
      Pending p = e.getValue();
      if (p.op() instanceof BatchOp.Remove || p.recreate()) {
        // Gone from its place in the store: removed, or re-created (then it leads the first page).
        removed.add(e.getKey().key());
      }
      if (token == null
          && p.op() instanceof BatchOp.Write
          && (p.recreate() || readDelegate(e.getKey()) == null)) {
        created.add(e); // new in the queue: newer than everything in the store
      }
    }
    Page inner = paginated.listPaginated(primary, secondary, token);
    List<String> keys = new ArrayList<>();
    created.sort(
        Comparator.comparingLong((Map.Entry<ScopedKey, Pending> e) -> e.getValue().created())
            .reversed());
    created.forEach(e -> keys.add(e.getKey().key()));
    Set<String> leading = new HashSet<>(keys);
    for (String k : inner.keys()) {
      if (!removed.contains(k) && !leading.contains(k)) {
        keys.add(k);
      }
    }
    return new Page(keys, inner.nextPageToken());
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    Map<ScopedKey, Pending> queued = snapshot(null, null);
    Set<ScopedKey> keys = new LinkedHashSet<>(migratable.listAllKeys());
    queued.forEach(
        (k, p) -> {
          if (p.op() instanceof BatchOp.Write) {
            keys.add(k);
          } else {
            keys.remove(k);
          }
        });
    return new ArrayList<>(keys);
  }

  @Override
  protected void doClose() {
    if (ager != null) {
      ager.close(); // lets an automatic commit in flight finish; the commit below takes the rest
    }
    try {
      commit();
    } finally {
      delegate.close();
    }
  }

  /** Settings of a {@link QueuedStore}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    private final KVStore delegate;
    private int autoCommitOps = Integer.MAX_VALUE;
    private long autoCommitBytes = Long.MAX_VALUE;
    private Duration autoCommitAge;

    private Builder(KVStore delegate) {
      this.delegate = delegate;
    }

    /** Commits automatically once this many operations are queued; off by default. */
    public Builder autoCommitOps(int operations) {
      if (operations < 1) {
        throw new IllegalArgumentException("autoCommitOps must be at least 1, was " + operations);
      }
      this.autoCommitOps = operations;
      return this;
    }

    /** Commits automatically once the queued values take this many bytes; off by default. */
    public Builder autoCommitBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("autoCommitBytes must be at least 1, was " + bytes);
      }
      this.autoCommitBytes = bytes;
      return this;
    }

    /** Commits automatically once the oldest queued operation is this old; off by default. */
    public Builder autoCommitAge(Duration age) {
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("autoCommitAge must be positive, was " + age);
      }
      this.autoCommitAge = age;
      return this;
    }

    /** Creates the queue in front of the store given to {@link QueuedStore#builder}. */
    @SuppressWarnings("unchecked")
    public QueuedStore build() {
      return create((PaginatedKVStore & MigratableKVStore) delegate);
    }

    private <S extends PaginatedKVStore & MigratableKVStore> QueuedStore create(S store) {
      return new QueuedStore(store, this);
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
