package io.lnkv.memory;

import io.lnkv.BatchOp;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.spi.AbstractKVStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A store in memory, with every capability of the contract: creation-ordered pages, exhaustive
 * enumeration and atomic batches. Nothing survives the process; use it for tests, caches and
 * ephemeral data.
 *
 * <p>Creation order is a counter: a new key takes the next number, a rewrite keeps it. Page tokens
 * are that number in decimal. An optional capacity bounds the bytes of all values; a write that
 * would exceed it fails (and a batch containing it applies nothing).
 *
 * <p>Thread-safe. Readers never see half of a batch: a batch is applied under a write lock.
 */
public final class InMemoryStore extends AbstractKVStore {
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<Scope, ScopeData> scopes = new HashMap<>(); // guarded by lock
  private final long capacityBytes;
  private long nextOrder = 1; // guarded by lock's write lock
  private long usedBytes; // guarded by lock's write lock

  private InMemoryStore(Builder builder) {
    super("InMemoryStore@" + Integer.toHexString(System.identityHashCode(builder)), builder);
    this.capacityBytes = builder.capacityBytes;
  }

  /** A store with the default settings and no capacity limit. */
  public static InMemoryStore create() {
    return builder().build();
  }

  /** A builder for a store with non-default settings. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean supportsAtomicBatch() {
    return true;
  }

  @Override
  protected byte[] doRead(ScopedKey key) {
    lock.readLock().lock();
    try {
      ScopeData data = scopes.get(Scope.of(key));
      Entry e = data == null ? null : data.entries.get(key.key());
      return e == null ? null : e.value.clone();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  protected void doWrite(ScopedKey key, byte[] value) {
    doWriteBatch(List.of(new BatchOp.Write(key, value)));
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    doWriteBatch(List.of(new BatchOp.Remove(key)));
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    lock.writeLock().lock();
    try {
      Map<ScopedKey, Integer> finalSizes = new HashMap<>();
      for (BatchOp op : operations) {
        finalSizes.put(op.key(), op instanceof BatchOp.Write w ? w.value().length : 0);
      }
      long needed = usedBytes;
      for (Map.Entry<ScopedKey, Integer> e : finalSizes.entrySet()) {
        Entry old = entry(e.getKey());
        needed += e.getValue() - (old == null ? 0 : old.value.length);
      }
      if (needed > capacityBytes) {
        throw new StoreException(
            "Failed to apply "
                + operations.size()
                + " operation(s) to "
                + description()
                + ": the values would take "
                + needed
                + " bytes, more than the capacity of "
                + capacityBytes
                + " bytes; nothing was applied. Remove data or build the store with a larger"
                + " capacity",
            null,
            false);
      }
      for (BatchOp op : operations) {
        apply(op);
      }
      usedBytes = needed;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private Entry entry(ScopedKey key) {
    ScopeData data = scopes.get(Scope.of(key));
    return data == null ? null : data.entries.get(key.key());
  }

  private void apply(BatchOp op) {
    Scope scope = Scope.of(op.key());
    String k = op.key().key();
    if (op instanceof BatchOp.Write w) {
      ScopeData data = scopes.computeIfAbsent(scope, s -> new ScopeData());
      Entry old = data.entries.get(k);
      long order = old == null ? nextOrder++ : old.order;
      data.entries.put(k, new Entry(w.value().clone(), order));
      data.byOrder.put(order, k);
    } else {
      ScopeData data = scopes.get(scope);
      Entry old = data == null ? null : data.entries.remove(k);
      if (old != null) {
        data.byOrder.remove(old.order);
        if (data.entries.isEmpty()) {
          scopes.remove(scope);
        }
      }
    }
  }

  @Override
  protected List<String> doList(String primary, String secondary) {
    lock.readLock().lock();
    try {
      ScopeData data = scopes.get(new Scope(primary, secondary));
      return data == null ? List.of() : new ArrayList<>(data.entries.keySet());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  protected Page doListPaginated(String primary, String secondary, PageToken token, int pageSize) {
    long before = token == null ? Long.MAX_VALUE : parseToken(token);
    lock.readLock().lock();
    try {
      ScopeData data = scopes.get(new Scope(primary, secondary));
      if (data == null) {
        return Page.last(List.of());
      }
      NavigableMap<Long, String> older = data.byOrder.headMap(before, false).descendingMap();
      List<String> keys = new ArrayList<>(pageSize);
      long lastOrder = 0;
      for (Map.Entry<Long, String> e : older.entrySet()) {
        if (keys.size() == pageSize) {
          return new Page(keys, Optional.of(new PageToken(Long.toString(lastOrder))));
        }
        keys.add(e.getValue());
        lastOrder = e.getKey();
      }
      return Page.last(keys);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static long parseToken(PageToken token) {
    return io.lnkv.internal.SqlKeyValueTable.parseSortOrderToken(token, "InMemoryStore");
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    lock.readLock().lock();
    try {
      List<ScopedKey> all = new ArrayList<>();
      scopes.forEach(
          (scope, data) ->
              data.entries
                  .keySet()
                  .forEach(k -> all.add(ScopedKey.of(scope.primary, scope.secondary, k))));
      return all;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  protected void doClose() {}

  private record Scope(String primary, String secondary) {
    static Scope of(ScopedKey key) {
      return new Scope(key.primaryNamespace(), key.secondaryNamespace());
    }
  }

  private record Entry(byte[] value, long order) {}

  private static final class ScopeData {
    final Map<String, Entry> entries = new HashMap<>();
    final TreeMap<Long, String> byOrder = new TreeMap<>();
  }

  /** Settings of an {@link InMemoryStore}. */
  public static final class Builder extends AbstractKVStore.Builder<Builder> {
    private long capacityBytes = Long.MAX_VALUE;

    private Builder() {}

    /** The most bytes all values together may take; unlimited by default. */
    public Builder capacityBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("capacityBytes must not be negative, was " + bytes);
      }
      this.capacityBytes = bytes;
      return this;
    }

    /** Creates the store. */
    public InMemoryStore build() {
      return new InMemoryStore(this);
    }

    @Override
    protected Builder self() {
      return this;
    }
  }
}
