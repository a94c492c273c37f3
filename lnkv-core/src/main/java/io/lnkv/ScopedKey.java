package io.lnkv;

/**
 * A full key: primary namespace, secondary namespace and key. Its string form is the address the
 * {@code lnkv} command reads: {@code key} in the root scope, {@code primary/key} with an empty
 * secondary namespace, {@code primary/secondary/key} otherwise. It is unambiguous for valid keys,
 * because {@code /} is outside LDK's alphabet and an empty primary namespace forces an empty
 * secondary one (the invalid {@code ("", s, k)} prints as {@code /s/k}).
 *
 * <p>Construction does not validate; stores validate on use (see {@link KeyRules}).
 */
public record ScopedKey(String primaryNamespace, String secondaryNamespace, String key) {
  public ScopedKey {
    if (primaryNamespace == null || secondaryNamespace == null || key == null) {
      throw new NullPointerException("namespace or key is null");
    }
  }

  /** A key at {@code (primary, secondary, key)}. */
  public static ScopedKey of(String primary, String secondary, String key) {
    return new ScopedKey(primary, secondary, key);
  }

  /** Throws {@link InvalidKeyException} if this key breaks LDK's rules. */
  public void validate() {
    KeyRules.checkKey(primaryNamespace, secondaryNamespace, key);
  }

  @Override
  public String toString() {
    if (secondaryNamespace.isEmpty()) {
      return primaryNamespace.isEmpty() ? key : primaryNamespace + "/" + key;
    }
    return primaryNamespace + "/" + secondaryNamespace + "/" + key;
  }
}
