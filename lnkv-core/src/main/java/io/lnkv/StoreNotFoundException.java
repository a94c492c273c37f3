package io.lnkv;

/**
 * Thrown when a store opened read-only does not exist: no folder, no database file, no table. A
 * read-only open never creates a store; open it for writing to create one. Not thrown for a missing
 * key (that is {@link KeyNotFoundException}).
 */
public final class StoreNotFoundException extends StoreException {
  private static final long serialVersionUID = 1L;

  public StoreNotFoundException(String message) {
    super(message, null, false);
  }
}
