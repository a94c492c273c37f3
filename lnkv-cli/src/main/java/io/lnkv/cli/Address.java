package io.lnkv.cli;

import io.lnkv.KeyRules;
import io.lnkv.ScopedKey;

/**
 * Keys and scopes on the command line, written as {@code key}, {@code primary/key} or {@code
 * primary/secondary/key} (and scopes as {@code ""}, {@code primary} or {@code primary/secondary}),
 * which is how {@code lnkv keys} prints them. No part of a key can contain {@code /}, so the form
 * is unambiguous.
 */
final class Address {
  private Address() {}

  /**
   * Parses a key address and checks it against LDK's rules.
   *
   * @throws io.lnkv.InvalidKeyException naming the part and the rule
   */
  static ScopedKey key(String text) {
    String[] parts = text.split("/", -1);
    ScopedKey k =
        switch (parts.length) {
          case 1 -> ScopedKey.of("", "", parts[0]);
          case 2 -> ScopedKey.of(parts[0], "", parts[1]);
          case 3 -> ScopedKey.of(parts[0], parts[1], parts[2]);
          default ->
              throw new IllegalArgumentException(
                  "Key '" + text + "' has more than three parts; write [primary/[secondary/]]key");
        };
    KeyRules.checkKey(k.primaryNamespace(), k.secondaryNamespace(), k.key());
    return k;
  }

  /** Parses a scope address ({@code primary} or {@code primary/secondary}; empty for the root). */
  static String[] scope(String text) {
    String[] parts = text == null || text.isEmpty() ? new String[] {"", ""} : text.split("/", -1);
    if (parts.length == 1) {
      parts = new String[] {parts[0], ""};
    }
    if (parts.length != 2) {
      throw new IllegalArgumentException(
          "Scope '" + text + "' has more than two parts; write primary[/secondary]");
    }
    KeyRules.checkScope(parts[0], parts[1]);
    return parts;
  }

  /** The address of a key, as {@link #key} reads it. */
  static String of(ScopedKey k) {
    return k.toString();
  }
}
