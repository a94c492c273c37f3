package io.lnkv;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * LDK's key-value persistence contract: opaque values at (primary namespace, secondary namespace,
 * key).
 *
 * <h2>Validation</h2>
 *
 * Every method checks its arguments against {@link KeyRules} before any I/O. The blocking methods
 * throw {@link InvalidKeyException}; the asynchronous ones return a future failed with it. Either
 * way nothing was read or changed.
 *
 * <h2>Ordering</h2>
 *
 * For one key, the order of <em>calls</em> to {@code write}, {@code remove} and {@code writeBatch}
 * (blocking or asynchronous) is the order in which they take effect. Each call takes a version when
 * it is made, before its future is returned; when an operation runs after a newer one to the same
 * key already took effect, it is stale: it completes successfully and changes nothing. So once the
 * future of the newest call completes, that call's effect is what every later read sees, whatever
 * order the futures complete in. Calls to different keys are not ordered against each other. Reads
 * and listings are not ordered against writes still in flight.
 *
 * <h2>Durability</h2>
 *
 * When {@code write} or {@code remove} (not lazy) returns, or its future completes normally, the
 * change survives a crash of the process and of the machine, unless the store's documentation says
 * it is not durable (an in-memory store). A lazy remove may be lost in a crash.
 *
 * <h2>Threads</h2>
 *
 * Implementations are safe for use by many threads.
 */
public interface KVStore extends AutoCloseable {
  /**
   * Returns the value stored at the key.
   *
   * @return a new array the caller owns
   * @throws KeyNotFoundException if no value is stored there (and for no other reason)
   * @throws InvalidKeyException if an argument breaks {@link KeyRules}
   * @throws StoreException if the value could not be read
   */
  byte[] read(String primaryNamespace, String secondaryNamespace, String key);

  /**
   * Creates or replaces the value at the key; namespaces come into being implicitly. Durable on
   * return. The array is not kept: the caller may reuse it after the call returns.
   *
   * @throws InvalidKeyException if an argument breaks {@link KeyRules}
   * @throws StoreException if the write failed; the key then holds its old value or the new one
   */
  void write(String primaryNamespace, String secondaryNamespace, String key, byte[] value);

  /**
   * Removes the value at the key, if any; removing a missing key succeeds. With {@code lazy} the
   * store may delete later, a listing may still show the key for a while, and the remove may be
   * lost in a crash: use it only for removes that are safe to replay.
   *
   * @throws InvalidKeyException if an argument breaks {@link KeyRules}
   * @throws StoreException if the remove failed
   */
  void remove(String primaryNamespace, String secondaryNamespace, String key, boolean lazy);

  /**
   * Returns the keys stored directly in the (primary, secondary) scope, in no particular order.
   * Sub-namespaces are not keys and are not listed. An unknown scope gives an empty list.
   *
   * @throws InvalidKeyException if an argument breaks {@link KeyRules}
   * @throws StoreException if the listing failed
   */
  List<String> list(String primaryNamespace, String secondaryNamespace);

  /** {@link #read} on the store's I/O threads. Fails with the same exceptions. */
  CompletableFuture<byte[]> readAsync(
      String primaryNamespace, String secondaryNamespace, String key);

  /**
   * {@link #write} on the store's I/O threads. The version of this write is taken before this
   * method returns (see the ordering rule above); the value is copied before it returns too.
   */
  CompletableFuture<Void> writeAsync(
      String primaryNamespace, String secondaryNamespace, String key, byte[] value);

  /** {@link #remove} on the store's I/O threads, ordered as {@link #writeAsync}. */
  CompletableFuture<Void> removeAsync(
      String primaryNamespace, String secondaryNamespace, String key, boolean lazy);

  /** {@link #list} on the store's I/O threads. */
  CompletableFuture<List<String>> listAsync(String primaryNamespace, String secondaryNamespace);

  /**
   * Whether {@link #writeBatch} is supported, that is, applies a batch all-or-nothing. Constant for
   * the life of the store.
   */
  default boolean supportsAtomicBatch() {
    return false;
  }

  /**
   * Applies writes and removes all-or-nothing: after a failure, and after a crash during the call,
   * either every operation took effect or none did. Operations apply in the given order: when
   * several name one key, the last decides its value, and a remove followed by a write makes the
   * key new (the newest created). Each key takes its version when this method is called and is
   * ordered with the other calls on it; the operations on a key that a newer call already changed
   * are skipped as stale.
   *
   * @throws UnsupportedOperationException if {@link #supportsAtomicBatch()} is false
   * @throws InvalidKeyException if any operation's key breaks {@link KeyRules}; nothing applied
   * @throws BatchInDoubtException if the batch may have been made durable before the failure (a
   *     filesystem store whose disk failed after recording it): reopening the store completes it or
   *     shows it absent, whole either way
   * @throws BackupFailureException from a tiered store whose primary applied the batch and whose
   *     backup did not
   * @throws StoreException if the batch failed otherwise: nothing of it was applied
   */
  default void writeBatch(List<BatchOp> operations) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName()
            + " does not support atomic batches; check supportsAtomicBatch() first, or apply"
            + " the operations one by one");
  }

  /** {@link #writeBatch} on the store's I/O threads, with versions taken before it returns. */
  default CompletableFuture<Void> writeBatchAsync(List<BatchOp> operations) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(
            getClass().getSimpleName() + " does not support atomic batches"));
  }

  /**
   * Waits for the operations in flight to finish (asynchronous ones already handed to the store,
   * and calls already running on other threads), then releases the store's resources and its
   * single-writer lock: nothing of this store writes after {@code close} returns. Calls that start
   * after {@code close} began, or that were still waiting for their key's turn, fail with {@link
   * StoreException}, as do all further calls. Idempotent.
   */
  @Override
  void close();
}
