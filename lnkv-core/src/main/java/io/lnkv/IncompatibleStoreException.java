package io.lnkv;

/**
 * Thrown when opening a store whose on-disk layout or schema this store does not handle: a
 * FilesystemStore v1 folder opened as v2, a schema version newer than this code knows. Nothing was
 * changed; the message says what was found and how to migrate.
 */
public final class IncompatibleStoreException extends StoreException {
  private static final long serialVersionUID = 1L;

  public IncompatibleStoreException(String message) {
    super(message, null, false);
  }

  public IncompatibleStoreException(String message, Throwable cause) {
    super(message, cause, false);
  }
}
