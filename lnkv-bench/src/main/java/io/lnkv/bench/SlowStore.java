package io.lnkv.bench;

import io.lnkv.BatchOp;
import io.lnkv.Page;
import io.lnkv.PageToken;
import io.lnkv.ScopedKey;
import io.lnkv.StoreException;
import io.lnkv.memory.InMemoryStore;
import io.lnkv.spi.AbstractKVStore;
import java.time.Duration;
import java.util.List;

/**
 * An in-memory store whose every operation first sleeps a fixed latency: the remote or slow tiers
 * of {@link TierBenchmark}, without the test kit (which the runnable jar does not carry).
 */
final class SlowStore extends AbstractKVStore {
  private final InMemoryStore delegate = InMemoryStore.create();
  private final Duration latency;

  SlowStore(Duration latency) {
    super("SlowStore (" + latency.toMillis() + " ms per operation)", new Settings());
    this.latency = latency;
  }

  @Override
  public boolean supportsAtomicBatch() {
    return true;
  }

  @Override
  protected byte[] doRead(ScopedKey k) {
    sleep();
    return delegate.read(k.primaryNamespace(), k.secondaryNamespace(), k.key());
  }

  @Override
  protected void doWrite(ScopedKey k, byte[] value) {
    sleep();
    delegate.write(k.primaryNamespace(), k.secondaryNamespace(), k.key(), value);
  }

  @Override
  protected void doRemove(ScopedKey k, boolean lazy) {
    sleep();
    delegate.remove(k.primaryNamespace(), k.secondaryNamespace(), k.key(), lazy);
  }

  @Override
  protected void doWriteBatch(List<BatchOp> operations) {
    sleep();
    delegate.writeBatch(operations);
  }

  @Override
  protected List<String> doList(String primary, String secondary) {
    sleep();
    return delegate.list(primary, secondary);
  }

  @Override
  protected Page doListPaginated(String primary, String secondary, PageToken token, int size) {
    sleep();
    return delegate.listPaginated(primary, secondary, token);
  }

  @Override
  protected List<ScopedKey> doListAllKeys() {
    sleep();
    return delegate.listAllKeys();
  }

  @Override
  protected void doClose() {
    delegate.close();
  }

  private void sleep() {
    try {
      Thread.sleep(latency.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Interrupted during the injected latency", e);
    }
  }

  private static final class Settings extends AbstractKVStore.Builder<Settings> {
    @Override
    protected Settings self() {
      return this;
    }
  }
}
