package io.lnkv.testkit;

import io.lnkv.BatchOp;
import io.lnkv.KVStore;
import java.nio.file.Path;
import java.util.List;

/**
 * How the crash harness opens the store under test, in the child process it kills and in the parent
 * that checks what survived. Implementations need a public no-argument constructor: the child
 * creates one by class name.
 */
public interface CrashTarget {
  /** Opens (creating if needed) the store kept in {@code dir}. */
  KVStore open(Path dir);

  /**
   * How the child commits a batch in the harness's batch mode: {@link KVStore#writeBatch} unless
   * overridden (a queueing store queues the operations and commits them).
   */
  default void commitBatch(KVStore store, List<BatchOp> operations) {
    store.writeBatch(operations);
  }

  /** Runs after each step, before the child acknowledges it (a queueing store commits here). */
  default void afterStep(KVStore store) {}
}
