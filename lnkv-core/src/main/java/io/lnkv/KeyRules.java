package io.lnkv;

/**
 * LDK's rules for namespaces and keys, checked by every lnkv store before any I/O.
 *
 * <ul>
 *   <li>Each of primary namespace, secondary namespace and key is at most {@value #MAX_LENGTH}
 *       characters from {@value #ALPHABET} (ASCII letters, digits, {@code _} and {@code -}).
 *   <li>The key is not empty (namespaces may be).
 *   <li>An empty primary namespace forces an empty secondary namespace.
 * </ul>
 *
 * <p>The same rules as LDK's {@code check_namespace_key_validity}, so that whatever lnkv accepts
 * LDK's own stores accept too. Thread-safe; stateless.
 */
public final class KeyRules {
  /** The characters allowed in namespaces and keys. */
  public static final String ALPHABET =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

  /** The maximum length of each part, in characters (equal to bytes: the alphabet is ASCII). */
  public static final int MAX_LENGTH = 120;

  private KeyRules() {}

  /**
   * Checks the arguments of a read, write or remove.
   *
   * @throws InvalidKeyException naming the part and the rule it breaks
   * @throws NullPointerException if any argument is null
   */
  public static void checkKey(String primary, String secondary, String key) {
    checkNotNull(primary, secondary);
    if (key == null) {
      throw new NullPointerException("key is null");
    }
    if (key.isEmpty()) {
      throw new InvalidKeyException(
          "Invalid key in " + describe(primary, secondary) + ": the key must not be empty");
    }
    checkScopeRule(primary, secondary);
    checkPart("primary namespace", primary);
    checkPart("secondary namespace", secondary);
    checkPart("key", key);
  }

  /**
   * Checks the arguments of a list or paginated list.
   *
   * @throws InvalidKeyException naming the part and the rule it breaks
   * @throws NullPointerException if any argument is null
   */
  public static void checkScope(String primary, String secondary) {
    checkNotNull(primary, secondary);
    checkScopeRule(primary, secondary);
    checkPart("primary namespace", primary);
    checkPart("secondary namespace", secondary);
  }

  /** Whether {@code part} passes the alphabet and length rule (empty passes). */
  public static boolean isValidPart(String part) {
    return part != null && firstInvalidIndex(part) < 0 && part.length() <= MAX_LENGTH;
  }

  private static void checkNotNull(String primary, String secondary) {
    if (primary == null) {
      throw new NullPointerException("primary namespace is null");
    }
    if (secondary == null) {
      throw new NullPointerException("secondary namespace is null");
    }
  }

  private static void checkScopeRule(String primary, String secondary) {
    if (primary.isEmpty() && !secondary.isEmpty()) {
      throw new InvalidKeyException(
          "Invalid secondary namespace '"
              + secondary
              + "': it must be empty when the primary namespace is empty");
    }
  }

  private static void checkPart(String what, String value) {
    if (value.length() > MAX_LENGTH) {
      throw new InvalidKeyException(
          "Invalid "
              + what
              + " '"
              + abbreviate(value)
              + "': "
              + value.length()
              + " characters, more than the limit of "
              + MAX_LENGTH);
    }
    int bad = firstInvalidIndex(value);
    if (bad >= 0) {
      throw new InvalidKeyException(
          "Invalid "
              + what
              + " '"
              + abbreviate(value)
              + "': character "
              + printable(value.charAt(bad))
              + " at index "
              + bad
              + " is not allowed; use only ASCII letters, digits, '_' and '-'");
    }
  }

  private static int firstInvalidIndex(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      if (!ok) {
        return i;
      }
    }
    return -1;
  }

  private static String printable(char c) {
    return (c >= 0x20 && c < 0x7f) ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  private static String abbreviate(String value) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
    StringBuilder out = new StringBuilder();
    for (char c : shown.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7f || c == '…' ? String.valueOf(c) : printable(c));
    }
    return out.toString();
  }

  private static String describe(String primary, String secondary) {
    return "namespace '" + primary + "/" + secondary + "'";
  }
}
