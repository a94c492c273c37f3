package io.lnkv;

/**
 * Thrown when stored data cannot be what the store wrote: an entry with an invalid name inside a
 * store folder, a damaged journal, a value that fails authentication. The message says where.
 */
public final class CorruptedDataException extends StoreException {
  private static final long serialVersionUID = 1L;

  public CorruptedDataException(String message) {
    super(message);
  }

  public CorruptedDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
