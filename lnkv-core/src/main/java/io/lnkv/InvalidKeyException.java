package io.lnkv;

/**
 * Thrown when a namespace or key breaks LDK's rules (see {@link KeyRules}). It is thrown before any
 * I/O, so nothing was read, written or removed. The message names the offending part and the rule
 * it broke.
 */
public final class InvalidKeyException extends StoreException {
  private static final long serialVersionUID = 1L;

  public InvalidKeyException(String message) {
    super(message, null, false);
  }
}
