package io.lnkv.testkit;

import io.lnkv.MigratableKVStore;
import io.lnkv.PaginatedKVStore;
import io.lnkv.queue.QueuedStore;
import java.nio.file.Path;

/**
 * The conformance suite for a {@link QueuedStore} in front of another store. It commits
 * automatically after 1 to 7 operations, varying from test to test, so that commits fall at
 * arbitrary points of every test; closing commits the rest. Implement {@link #backend(Path)}.
 *
 * @param <S> the store behind the queue
 */
public abstract class QueuedStoreConformance<S extends PaginatedKVStore & MigratableKVStore>
    extends KVStoreConformance<QueuedStore> {
  /** For a subclass that supplies the store under test. */
  protected QueuedStoreConformance() {}

  /** Opens the store behind the queue, kept in {@code dir}. */
  protected abstract S backend(Path dir);

  @Override
  protected final QueuedStore open(Path dir) {
    return QueuedStore.builder(backend(dir))
        .autoCommitOps(1 + Math.floorMod(dir.toString().hashCode(), 7))
        .build();
  }

  /** The first page also carries the keys created in the queue. */
  @Override
  protected final boolean exactPageSizes() {
    return false;
  }
}
