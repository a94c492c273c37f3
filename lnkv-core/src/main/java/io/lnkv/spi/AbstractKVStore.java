package io.lnkv.spi;

import io.lnkv.BatchOp;
import io.lnkv.KeyNotFoundException;
import io.lnkv.KeyRules;
import io.lnkv.NodeStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.internal.DaemonThreads;
import io.lnkv.internal.WriteOrdering;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

// Why this file is long (~500 lines): it is the contract every store inherits, once: key and
// value validation, per-key ordering, the synchronous and asynchronous forms of seven operations,
// error translation, read-only enforcement, and the Builder all stores share. Each part is a few
// short methods; split into files, one contract would be read across many.
/**
 * The mechanics every lnkv store shares, so that a backend implements only its storage: argument
 * validation before any I/O, LDK's per-key call order (lnkv's {@code WriteOrdering}), the
 * asynchronous methods on a bounded pool of I/O threads, batch de-duplication, the closed state,
 * and error messages of one shape.
 *
 * <p>A subclass implements the {@code do*} methods. They receive validated arguments, run on the
 * calling thread or an I/O thread, and for writes and removes run while holding the key's ordering
 * lock (so two writes to one key never overlap, and a stale one never reaches them). An {@link
 * IOException} they throw becomes a {@link StoreException} naming the operation, the key and the
 * store.
 *
 * <p>Users may extend this class to give their own store the same contract; the conformance suite
 * in {@code lnkv-testkit} checks the result.
 *
 * <p>Long because it is the whole contract every backend gets: key validation, LDK's per-key call
 * order, the gate that lets {@code close} wait for running operations, the asynchronous variants
 * and uniform errors, and the Builder options all stores share; a backend implements only the
 * {@code do*} methods.
 */
public abstract class AbstractKVStore implements NodeStore {
  private static final Logger log = LoggerFactory.getLogger(AbstractKVStore.class);
  private static final AtomicInteger POOL_IDS = new AtomicInteger();

  private final String description;
  private final int pageSize;
  private final WriteOrdering ordering = new WriteOrdering();
  private final ExecutorService io;
  private final AtomicBoolean closed = new AtomicBoolean();
  // Every operation holds the read lock while it runs; close() takes the write lock before doClose,
  // so that no operation still runs once the store released its files and lock to the next opener.
  private final ReentrantReadWriteLock running = new ReentrantReadWriteLock();
  private volatile boolean released; // close() holds the write lock: nothing may run any more
  private final boolean readOnly;

  /**
   * @param description how messages name this store, e.g. {@code FilesystemStoreV2 at /data}
   * @param settings the common settings, already checked by the builder
   */
  protected AbstractKVStore(String description, Builder<?> settings) {
    this.description = description;
    this.pageSize = settings.pageSize;
    this.readOnly = settings.readOnly;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            settings.ioThreads,
            settings.ioThreads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            DaemonThreads.named("lnkv-io-" + POOL_IDS.incrementAndGet()));
    pool.allowCoreThreadTimeOut(true);
    this.io = pool;
  }

  // ---- what a backend implements ------------------------------------------------------------

  /** Returns the value, or null if the key holds none. */
  protected abstract byte[] doRead(ScopedKey key) throws IOException;

  /** Durably creates or replaces the value. Runs under the key's ordering lock. */
  protected abstract void doWrite(ScopedKey key, byte[] value) throws IOException;

  /** Removes the value if present. Runs under the key's ordering lock. */
  protected abstract void doRemove(ScopedKey key, boolean lazy) throws IOException;

  /** The keys directly in the scope. */
  protected abstract List<String> doList(String primary, String secondary) throws IOException;

  /** One page of at most {@code pageSize} keys, newest-created first. */
  protected abstract Page doListPaginated(
      String primary, String secondary, PageToken token, int pageSize) throws IOException;

  /** Every stored key. */
  protected abstract List<ScopedKey> doListAllKeys() throws IOException;

  /**
   * Applies the operations all-or-nothing, at most one per key. Runs holding every key's ordering
   * lock. Only called when {@link #supportsAtomicBatch()} is true.
   */
  protected void doWriteBatch(List<BatchOp> operations) throws IOException {
    throw new UnsupportedOperationException(description + " does not support atomic batches");
  }

  /** Releases the backend's resources (files, connections, locks). Called once. */
  protected abstract void doClose() throws IOException;

  /**
   * Whether a write or remove that failed still takes its place in the key's call order, so that no
   * older operation of the key runs after it; false by default (a failed operation changed
   * nothing). A store made of several stores, one of which may have changed before another failed,
   * returns true.
   */
  protected boolean failedOperationsCountAsApplied() {
    return false;
  }

  private WriteOrdering.OnFailure onFailure() {
    return failedOperationsCountAsApplied()
        ? WriteOrdering.OnFailure.RECORD_VERSION
        : WriteOrdering.OnFailure.KEEP_LAST_VERSION;
  }

  // ---- the contract -------------------------------------------------------------------------

  // Each public method checks, on the calling thread, that the store is open and the arguments
  // valid, then runs the validated operation, here or on an I/O thread. Work already handed to
  // an I/O thread when close() starts still runs to completion, and so does an operation already
  // running on a caller's thread: close() waits for both before it releases anything.

  @Override
  public final byte[] read(String primary, String secondary, String key) {
    return readChecked(checkedKey(primary, secondary, key));
  }

  @Override
  public final void write(String primary, String secondary, String key, byte[] value) {
    ScopedKey k = checkedChange(primary, secondary, key);
    checkValue(value);
    applyWrite(ordering.enter(k.toString()), k, value);
  }

  @Override
  public final void remove(String primary, String secondary, String key, boolean lazy) {
    ScopedKey k = checkedChange(primary, secondary, key);
    applyRemove(ordering.enter(k.toString()), k, lazy);
  }

  @Override
  public final List<String> list(String primary, String secondary) {
    checkedScope(primary, secondary);
    return listChecked(primary, secondary);
  }

  @Override
  public final Page listPaginated(String primary, String secondary, PageToken token) {
    checkedScope(primary, secondary);
    return listPaginatedChecked(primary, secondary, token);
  }

  @Override
  public final List<ScopedKey> listAllKeys() {
    ensureOpen();
    return call("list all keys of", "the store", this::doListAllKeys);
  }

  @Override
  public final void writeBatch(List<BatchOp> operations) {
    List<BatchOp> ops = checkedBatch(operations);
    applyBatch(enterAll(ops), ops);
  }

  @Override
  public final CompletableFuture<byte[]> readAsync(String primary, String secondary, String key) {
    ScopedKey k;
    try {
      k = checkedKey(primary, secondary, key);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return async(List.of(), () -> readChecked(k));
  }

  @Override
  public final CompletableFuture<Void> writeAsync(
      String primary, String secondary, String key, byte[] value) {
    ScopedKey k;
    try {
      k = checkedChange(primary, secondary, key);
      checkValue(value);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    byte[] copy = value.clone();
    WriteOrdering.Ticket ticket = ordering.enter(k.toString());
    return asyncVoid(List.of(ticket), () -> applyWrite(ticket, k, copy));
  }

  @Override
  public final CompletableFuture<Void> removeAsync(
      String primary, String secondary, String key, boolean lazy) {
    ScopedKey k;
    try {
      k = checkedChange(primary, secondary, key);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    WriteOrdering.Ticket ticket = ordering.enter(k.toString());
    return asyncVoid(List.of(ticket), () -> applyRemove(ticket, k, lazy));
  }

  @Override
  public final CompletableFuture<List<String>> listAsync(String primary, String secondary) {
    try {
      checkedScope(primary, secondary);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return async(List.of(), () -> listChecked(primary, secondary));
  }

  @Override
  public final CompletableFuture<Page> listPaginatedAsync(
      String primary, String secondary, PageToken token) {
    try {
      checkedScope(primary, secondary);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return async(List.of(), () -> listPaginatedChecked(primary, secondary, token));
  }

  @Override
  public final CompletableFuture<Void> writeBatchAsync(List<BatchOp> operations) {
    List<BatchOp> ops;
    try {
      ops = checkedBatch(operations);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<WriteOrdering.Ticket> tickets = enterAll(ops);
    return asyncVoid(tickets, () -> applyBatch(tickets, ops));
  }

  @Override
  public final void close() {
    if (running.getReadHoldCount() > 0) {
      // this thread runs an operation of this store: waiting for it would wait forever
      throw new IllegalStateException(
          description + ": close() was called from inside one of its own operations");
    }
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    io.shutdown();
    try {
      if (!io.awaitTermination(60, TimeUnit.SECONDS)) {
        log.warn("{}: asynchronous operations still running 60 s after close", description);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    awaitRunningOperations();
    released = true;
    try {
      doClose();
    } catch (IOException e) {
      throw new StoreException("Failed to close " + description + ": " + e.getMessage(), e);
    } finally {
      running.writeLock().unlock();
    }
  }

  /**
   * Takes the write lock of {@link #running}: waits for every operation that passed the open check
   * to end. Operations that start from now on find the store closed. Not interruptible: closing
   * while an operation still writes would hand the store to the next opener under it.
   */
  private void awaitRunningOperations() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (running.writeLock().tryLock(60, TimeUnit.SECONDS)) {
            return;
          }
          log.warn("{}: close() waits for operations still running after 60 s", description);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Whether this store was opened read-only ({@link Builder#readOnly()}): then every write, remove
   * and batch fails with a {@link StoreException} before any I/O.
   */
  public final boolean isReadOnly() {
    return readOnly;
  }

  /** The page size this store was configured with. */
  protected final int pageSize() {
    return pageSize;
  }

  /** How messages name this store. */
  protected final String description() {
    return description;
  }

  /**
   * Runs {@code work} in {@code key}'s place in the call order, for work of a subclass's own (a
   * replay, a copy to another tier): no write or remove of the key runs meanwhile. Blocks until the
   * key's operations in progress are done.
   */
  protected final void runInKeyOrder(ScopedKey key, Runnable work) {
    ordering.runLocked(key.toString(), work::run);
  }

  @Override
  public String toString() {
    return description;
  }

  // ---- mechanics ----------------------------------------------------------------------------

  private ScopedKey checkedKey(String primary, String secondary, String key) {
    ensureOpen();
    KeyRules.checkKey(primary, secondary, key);
    return ScopedKey.of(primary, secondary, key);
  }

  private ScopedKey checkedChange(String primary, String secondary, String key) {
    ScopedKey k = checkedKey(primary, secondary, key);
    ensureWritable();
    return k;
  }

  private void ensureWritable() {
    if (readOnly) {
      throw new StoreException(
          description + " was opened read-only; open it for writing to change it");
    }
  }

  private void checkedScope(String primary, String secondary) {
    ensureOpen();
    KeyRules.checkScope(primary, secondary);
  }

  private List<BatchOp> checkedBatch(List<BatchOp> operations) {
    ensureOpen();
    ensureWritable();
    requireBatchSupport();
    List<BatchOp> ops = List.copyOf(operations);
    for (BatchOp op : ops) {
      op.key().validate();
    }
    return ops;
  }

  private List<WriteOrdering.Ticket> enterAll(List<BatchOp> ops) {
    return ordering.enterAll(ops.stream().map(op -> op.key().toString()).toList());
  }

  private byte[] readChecked(ScopedKey k) {
    byte[] value = call("read", k.toString(), () -> doRead(k));
    if (value == null) {
      throw new KeyNotFoundException(k, description);
    }
    return value;
  }

  private List<String> listChecked(String primary, String secondary) {
    return call("list", primary + "/" + secondary, () -> doList(primary, secondary));
  }

  private Page listPaginatedChecked(String primary, String secondary, PageToken token) {
    return call(
        "list a page of",
        primary + "/" + secondary,
        () -> doListPaginated(primary, secondary, token, pageSize));
  }

  private void applyWrite(WriteOrdering.Ticket ticket, ScopedKey k, byte[] value) {
    ticket.apply(onFailure(), () -> call("write", k.toString(), voidOf(() -> doWrite(k, value))));
  }

  private void applyRemove(WriteOrdering.Ticket ticket, ScopedKey k, boolean lazy) {
    ticket.apply(onFailure(), () -> call("remove", k.toString(), voidOf(() -> doRemove(k, lazy))));
  }

  /** Applies, in the given order, the operations whose key is not stale. */
  private void applyBatch(List<WriteOrdering.Ticket> tickets, List<BatchOp> all) {
    ordering.applyAll(
        tickets,
        onFailure(),
        current -> {
          Set<String> currentKeys = new HashSet<>();
          current.forEach(t -> currentKeys.add(t.lockKey()));
          List<BatchOp> ops = new ArrayList<>(all.size());
          for (BatchOp op : all) {
            if (currentKeys.contains(op.key().toString())) {
              ops.add(op);
            }
          }
          call(
              "apply a batch of " + ops.size() + " operations to",
              "the store",
              voidOf(() -> doWriteBatch(ops)));
        });
  }

  private void requireBatchSupport() {
    if (!supportsAtomicBatch()) {
      throw new UnsupportedOperationException(
          description
              + " does not support atomic batches; check supportsAtomicBatch() first, or apply"
              + " the operations one by one");
    }
  }

  private void checkValue(byte[] value) {
    if (value == null) {
      throw new NullPointerException("value is null");
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new StoreException(description + " is closed; open the store again to use it");
    }
  }

  private CompletableFuture<Void> asyncVoid(List<WriteOrdering.Ticket> tickets, Runnable work) {
    return async(
        tickets,
        () -> {
          work.run();
          return null;
        });
  }

  private <T> CompletableFuture<T> async(List<WriteOrdering.Ticket> tickets, Supplier<T> work) {
    CompletableFuture<T> future = new CompletableFuture<>();
    try {
      io.execute(
          () -> {
            try {
              future.complete(work.get());
            } catch (Throwable t) {
              future.completeExceptionally(t);
            } finally {
              tickets.forEach(WriteOrdering.Ticket::abandon); // no-op for finished tickets
            }
          });
    } catch (RejectedExecutionException e) {
      tickets.forEach(WriteOrdering.Ticket::abandon);
      future.completeExceptionally(
          new StoreException(description + " is closed; open the store again to use it", e));
    }
    return future;
  }

  @FunctionalInterface
  private interface IoCall<T> {
    T call() throws IOException;
  }

  @FunctionalInterface
  private interface IoRun {
    void run() throws IOException;
  }

  private static IoCall<Void> voidOf(IoRun run) {
    return () -> {
      run.run();
      return null;
    };
  }

  private <T> T call(String operation, String what, IoCall<T> body) {
    Lock lock = running.readLock();
    lock.lock();
    try {
      if (released) {
        // passed the open check, then waited (for its key's turn, or this lock) while close()
        // ran: running now would write over the files of whoever opened the store next
        throw new StoreException(description + " is closed; open the store again to use it");
      }
      return body.call();
    } catch (IOException e) {
      throw new StoreException(
          "Failed to " + operation + " " + what + " in " + description + ": " + e, e);
    } catch (StoreException | UnsupportedOperationException | IllegalArgumentException e) {
      throw e; // already says what happened; IllegalArgumentException: a malformed page token
    } catch (RuntimeException e) {
      throw new StoreException(
          "Failed to " + operation + " " + what + " in " + description + ": " + e, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Settings every lnkv store has. Store builders extend this class.
   *
   * @param <B> the concrete builder, returned by each setter
   */
  public abstract static class Builder<B extends Builder<B>> {
    private int pageSize = DEFAULT_PAGE_SIZE;
    private int ioThreads = 8;
    private boolean readOnly;

    /** Defaults: the default page size, 8 I/O threads, open for writing. */
    protected Builder() {}

    /**
     * Opens the store for reading only, to inspect it while its writer runs: no writer lock or
     * lease is taken, and nothing is written, created, upgraded or cleaned up. Opening fails with
     * {@link io.lnkv.StoreNotFoundException} when there is no store, and with {@link
     * io.lnkv.IncompatibleStoreException} when the target is not a store of this kind (foreign
     * files, a database without the table, an old schema that only a writer may upgrade). Writes,
     * removes and batches then fail with a {@link StoreException}. What a store shows while another
     * process writes it is described on each store.
     */
    public B readOnly() {
      this.readOnly = true;
      return self();
    }

    /** Whether {@link #readOnly()} was called. */
    public final boolean isReadOnly() {
      return readOnly;
    }

    /** Keys per page of {@link #listPaginated}; {@value #DEFAULT_PAGE_SIZE} by default. */
    public B pageSize(int keysPerPage) {
      if (keysPerPage < 1) {
        throw new IllegalArgumentException("pageSize must be at least 1, was " + keysPerPage);
      }
      this.pageSize = keysPerPage;
      return self();
    }

    /** Threads that run the asynchronous methods; 8 by default. They exit when idle for 30 s. */
    public B ioThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("ioThreads must be at least 1, was " + threads);
      }
      this.ioThreads = threads;
      return self();
    }

    /** This builder, typed. */
    protected abstract B self();
  }
}
