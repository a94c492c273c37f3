package io.lnkv;

/**
 * Thrown by {@code read} when no value is stored at the key. It means only "missing": no other
 * failure is ever reported with this type, so a caller may treat it as an absent value.
 */
public final class KeyNotFoundException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final ScopedKey key;

  public KeyNotFoundException(ScopedKey key, String where) {
    super("Key not found: " + key + " in " + where, null, false);
    this.key = key;
  }

  /** The key that was read. */
  public ScopedKey key() {
    return key;
  }
}
