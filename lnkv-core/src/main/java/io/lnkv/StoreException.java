package io.lnkv;

/**
 * The root of every failure an lnkv store reports. Unchecked, so that it crosses the {@link
 * java.util.concurrent.CompletableFuture} boundary and LDK's callback interfaces without wrapping.
 *
 * <p>A plain {@code StoreException} (not one of the subtypes) means the operation failed for a
 * reason the caller cannot branch on, typically an I/O error; its cause holds the original
 * exception (errno, SQLState, HTTP status). Whether the operation took effect is then unknown,
 * except where {@link #mayHaveTakenEffect()} says it did not.
 *
 * <p>Messages follow one shape: what failed, where, why, and what to do, for example {@code Failed
 * to write monitors/abc_1 in FilesystemStoreV2 at /data: No space left on device}.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean mayHaveTakenEffect;

  /** A failure whose operation may have taken effect (the outcome is unknown). */
  public StoreException(String message) {
    super(message);
    this.mayHaveTakenEffect = true;
  }

  /** A failure whose operation may have taken effect (the outcome is unknown). */
  public StoreException(String message, Throwable cause) {
    this(message, cause, true);
  }

  /**
   * @param mayHaveTakenEffect false only when the store knows the operation changed nothing (it was
   *     refused before any change, or its transaction was rolled back)
   */
  public StoreException(String message, Throwable cause, boolean mayHaveTakenEffect) {
    super(message, cause);
    this.mayHaveTakenEffect = mayHaveTakenEffect;
  }

  /**
   * Whether the failed operation may nonetheless have taken effect, wholly (a batch is
   * all-or-nothing): true unless the store knows it changed nothing. When true, read the keys to
   * learn which, or repeat the operation, which is safe (values are whole); nothing that depends on
   * it may be sent on until one of the two has settled it.
   *
   * <p>False for a conflict, an invalid key, a locked or incompatible store, a missing key or store
   * (each refused before anything changed), and for any failure built with {@code false}.
   */
  public boolean mayHaveTakenEffect() {
    return mayHaveTakenEffect;
  }
}
