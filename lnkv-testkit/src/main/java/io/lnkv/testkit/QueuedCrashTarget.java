package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.queue.QueuedStore;
import java.nio.file.Path;
import java.util.List;

/**
 * A crash target for a {@link QueuedStore} in front of another store: operations are queued one by
 * one and committed before the child acknowledges the step, as a node commits before data leaves
 * it. Subclasses say how to open the store behind the queue.
 *
 * @param <S> the store behind the queue
 */
public abstract class QueuedCrashTarget<S extends PaginatedKVStore & MigratableKVStore>
    implements CrashTarget {
  /** For a subclass that supplies the store under test. */
  protected QueuedCrashTarget() {}

  /** Opens the store behind the queue. */
  protected abstract S backend(Path dir);

  @Override
  public final KVStore open(Path dir) {
    return QueuedStore.builder(backend(dir)).build();
  }

  @Override
  public final void commitBatch(KVStore store, List<BatchOp> operations) {
    for (BatchOp op : operations) {
      if (op instanceof BatchOp.Write w) {
        store.write(
            op.key().primaryNamespace(), op.key().secondaryNamespace(), op.key().key(), w.value());
      } else {
        store.remove(
            op.key().primaryNamespace(), op.key().secondaryNamespace(), op.key().key(), false);
      }
    }
  }

  @Override
  public final void afterStep(KVStore store) {
    ((QueuedStore) store).commit();
  }
}
