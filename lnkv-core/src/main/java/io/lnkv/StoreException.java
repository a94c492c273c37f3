package io.lnkv;

/**
 * The root of every failure an lnkv store reports. Unchecked, so that it crosses the {@link
 * java.util.concurrent.CompletableFuture} boundary and LDK's callback interfaces without wrapping.
 *
 * <p>A plain {@code StoreException} (not one of the subtypes) means the operation failed for a
 * reason the caller cannot branch on, typically an I/O error; its cause holds the original
 * exception (errno, SQLState, HTTP status). Whether the operation took effect is then unknown,
 * except where the store's documentation says otherwise.
 *
 * <p>Messages follow one shape: what failed, where, why, and what to do, for example {@code Failed
 * to write monitors/abc_1 in FilesystemStoreV2 at /data: No space left on device}.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
