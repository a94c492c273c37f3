package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.MigratableKVStore;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.PaginatedKVStore;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.spi.AbstractKVStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A store that forwards to another and injects faults and latency, for testing what sits on top
 * (tiers, queues, retry logic). Faults can be changed while the store is in use: take a tier
 * "down", then bring it "back".
 *
 * <p>It is a store in its own right ({@link AbstractKVStore}): calls are validated and ordered per
 * key here, and reach the wrapped store as blocking calls in that order, so injected latency never
 * reorders two operations on one key.
 *
 * <ul>
 *   <li>{@link #failNth(long)}: the n-th operation from now fails (once).
 *   <li>{@link #failWhen(Predicate)}: every operation matching the predicate fails, until {@link
 *       #heal()}.
 *   <li>{@link #failAfterApplying(boolean)}: a failing write, remove or batch is first applied to
 *       the wrapped store, then reported as failed (a lost acknowledgement), instead of failing
 *       before it reaches the store.
 *   <li>{@link #latency(Duration)}: every operation sleeps first.
 * </ul>
 *
 * <p>Injected failures are {@link StoreException}s whose message starts with {@value #INJECTED};
 * one injected before the operation says it took no effect ({@link
 * StoreException#mayHaveTakenEffect()} false), one injected after applying it says it may have.
 * Thread-safe.
 */
public final class FaultInjectingStore extends AbstractKVStore {
  /** The start of every injected failure's message. */
  public static final String INJECTED = "Injected fault";

  /** What kind of call an {@link Operation} is. */
  public enum Kind {
    /** {@code read}. */
    READ,
    /** {@code write}. */
    WRITE,
    /** {@code remove}. */
    REMOVE,
    /** {@code list}. */
    LIST,
    /** {@code listPaginated}. */
    LIST_PAGINATED,
    /** {@code listAllKeys}. */
    LIST_ALL_KEYS,
    /** {@code writeBatch}. */
    BATCH
  }

  /**
   * An operation about to reach the wrapped store.
   *
   * @param key the key, or for listings a key with an empty key part, or null for listAllKeys and
   *     batches
   */
  public record Operation(Kind kind, ScopedKey key) {}

  private final PaginatedKVStore paginated;
  private final MigratableKVStore migratable;
  private final KVStore delegate;
  private final AtomicLong countdown = new AtomicLong(-1);
  private final AtomicReference<Predicate<Operation>> failWhen = new AtomicReference<>(op -> false);
  private volatile boolean afterApplying;
  private volatile Duration latency = Duration.ZERO;
  private volatile boolean hideAtomicBatches;
  private final AtomicLong injected = new AtomicLong();

  private <S extends PaginatedKVStore & MigratableKVStore> FaultInjectingStore(
      S delegate, Builder builder) {
    super("FaultInjectingStore(" + delegate + ")", builder);
    this.delegate = delegate;
    this.paginated = delegate;
    this.migratable = delegate;
  }

  /** Wraps {@code delegate}; closing the wrapper closes it. */
  public static <S extends PaginatedKVStore & MigratableKVStore> FaultInjectingStore wrap(
      S delegate) {
    return new FaultInjectingStore(Objects.requireNonNull(delegate, "delegate"), new Builder());
  }

  /** Makes the {@code n}-th operation from now (1 = the next) fail, once. */
  public FaultInjectingStore failNth(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    countdown.set(n);
    return this;
  }

  /** Makes every operation matching {@code predicate} fail until {@link #heal()}. */
  public FaultInjectingStore failWhen(Predicate<Operation> predicate) {
    failWhen.set(Objects.requireNonNull(predicate, "predicate"));
    return this;
  }

  /** Makes every operation fail until {@link #heal()}: the store is "down". */
  public FaultInjectingStore failAll() {
    return failWhen(op -> true);
  }

  /** Whether a failing change is applied before it is reported as failed. */
  public FaultInjectingStore failAfterApplying(boolean applyFirst) {
    this.afterApplying = applyFirst;
    return this;
  }

  /**
   * Reports no atomic batches whatever the wrapped store can do, to test what callers do with a
   * store that has none.
   */
  public FaultInjectingStore withoutAtomicBatches() {
    this.hideAtomicBatches = true;
    return this;
  }

  /** Sleeps this long before every operation. */
  public FaultInjectingStore latency(Duration delay) {
    this.latency = Objects.requireNonNull(delay, "delay");
    return this;
  }

  /** Removes every fault and the latency. */
  public FaultInjectingStore heal() {
    countdown.set(-1);
    failWhen.set(op -> false);
    latency = Duration.ZERO;
    return this;
  }

  /** How many failures were injected so far. */
  public long injectedFailures() {
    return injected.get();
  }

  @Override
  public boolean supportsAtomicBatch() {
    return !hideAtomicBatches && delegate.supportsAtomicBatch();
  }

  @Override
  protected byte[] doRead(ScopedKey key) {
    return around(
        new Operation(Kind.READ, key),
        false,
        () -> delegate.read(key.primaryNamespace(), key.secondaryNamespace(), key.key()));
  }

  @Override
  protected void doWrite(ScopedKey key, byte[] value) {
    around(
        new Operation(Kind.WRITE, key),
        true,
        () -> {
          delegate.write(key.primaryNamespace(), key.secondaryNamespace(), key.key(), value);
          return null;
        });
  }

  @Override
  protected void doRemove(ScopedKey key, boolean lazy) {
    around(
        new Operation(Kind.REMOVE, key),
        true,
        () -> {
          delegate.remove(key.primaryNamespace(), key.secondaryNamespace(), key.key(), lazy);
          return null;
        });
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    around(
        new Operation(Kind.BATCH, null),
        true,
        () -> {
          delegate.writeBatch(operations);
          return null;
        });
  }

  @Override
  protected List<String> doList(String primary, String secondary) {
    return around(
        new Operation(Kind.LIST, ScopedKey.of(primary, secondary, "")),
        false,
        () -> delegate.list(primary, secondary));
  }

  @Override
  protected Page doListPaginated(String primary, String secondary, PageToken token, int size) {
    return around(
        new Operation(Kind.LIST_PAGINATED, ScopedKey.of(primary, secondary, "")),
        false,
        () -> paginated.listPaginated(primary, secondary, token));
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    return around(new Operation(Kind.LIST_ALL_KEYS, null), false, migratable::listAllKeys);
  }

  @Override
  protected void doClose() throws IOException {
    delegate.close();
  }

  private interface Call<T> {
    T call();
  }

  private <T> T around(Operation op, boolean changes, Call<T> call) {
    sleep();
    // Non-short-circuit '|': the countdown counts every operation, whatever the predicate says.
    boolean fail = failWhen.get().test(op) | countdown.getAndUpdate(n -> n > 0 ? n - 1 : n) == 1;
    if (!fail) {
      return call.call();
    }
    injected.incrementAndGet();
    if (changes && afterApplying) {
      call.call();
      throw new StoreException(INJECTED + " after applying " + describe(op), null, true);
    }
    throw new StoreException(INJECTED + " before " + describe(op), null, false);
  }

  private static String describe(Operation op) {
    return op.kind() + (op.key() == null ? "" : " " + op.key());
  }

  private void sleep() {
    Duration d = latency;
    if (d.isZero()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Interrupted during injected latency", e);
    }
  }

  private static final class Builder extends AbstractKVStore.Builder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }
}
