package io.lnkv.vss;

import io.lnkv.ScopedKey;
import java.nio.charset.StandardCharsets;

/**
 * How ldk-node maps a (primary, secondary, key) to a VSS key, and back.
 *
 * <ul>
 *   <li>{@link Schema#V1} (new stores): {@code obfuscate(primary#secondary) # obfuscate(key)}; the
 *       namespace part is always there ({@code obfuscate("#")} for the root); values are encrypted
 *       with the whole VSS key as AAD; a scope is listed with the prefix {@code
 *       obfuscate(primary#secondary)}.
 *   <li>{@link Schema#V0} (legacy, read): {@code primary#secondary#obfuscate(key)} with the
 *       namespaces in plain text, or {@code obfuscate(key)} for the root; empty AAD.
 * </ul>
 *
 * Obfuscated parts are base64 without {@code #}, so the first {@code #} separates the parts.
 * Immutable and thread-safe.
 */
final class VssKeyLayout {
  /** The key (in the root scope, under V1) where ldk-node records the schema in use. */
  static final String SCHEMA_VERSION_KEY = "vss_schema_version";

  /** Scopes whose V1 prefix is remembered; past it the memory is dropped and refilled. */
  private static final int REMEMBERED_PREFIXES = 1024;

  private final KeyObfuscator obfuscator;
  private final VssKeySchema schema;
  // obfuscating is two HMACs and two AEAD seals (the scope's part was 5% of the CPU of a small
  // write, client and server together, in a profile); a node writes to few scopes, so each
  // scope's is computed once
  private final java.util.Map<String, String> prefixes =
      new java.util.concurrent.ConcurrentHashMap<>();

  VssKeyLayout(KeyObfuscator obfuscator, VssKeySchema schema) {
    this.obfuscator = obfuscator;
    this.schema = schema;
  }

  VssKeySchema schema() {
    return schema;
  }

  /** The VSS key of {@code k}. */
  String vssKey(ScopedKey k) {
    if (schema == VssKeySchema.V1) {
      return prefix(k.primaryNamespace(), k.secondaryNamespace())
          + "#"
          + obfuscator.obfuscate(k.key());
    }
    return k.primaryNamespace().isEmpty()
        ? obfuscator.obfuscate(k.key())
        : k.primaryNamespace() + "#" + k.secondaryNamespace() + "#" + obfuscator.obfuscate(k.key());
  }

  /** The AAD of a value stored at {@code vssKey}: the key itself under V1, nothing under V0. */
  byte[] aad(String vssKey) {
    return schema == VssKeySchema.V1 ? vssKey.getBytes(StandardCharsets.UTF_8) : new byte[0];
  }

  /** The {@code key_prefix} that lists a scope (V1: without the trailing {@code #}). */
  String prefix(String primary, String secondary) {
    if (schema == VssKeySchema.V1) {
      String namespace = primary + "#" + secondary;
      String prefix = prefixes.get(namespace);
      if (prefix == null) {
        prefix = obfuscator.obfuscate(namespace);
        if (prefixes.size() >= REMEMBERED_PREFIXES) {
          prefixes.clear(); // bounded, whatever the number of scopes
        }
        prefixes.put(namespace, prefix);
      }
      return prefix;
    }
    return primary.isEmpty() ? "" : primary + "#" + secondary + "#";
  }

  /** ldk-node's schema marker: the V1 key of {@link #SCHEMA_VERSION_KEY} in the root scope. */
  String schemaVersionKey() {
    return obfuscator.obfuscate("#") + "#" + obfuscator.obfuscate(SCHEMA_VERSION_KEY);
  }

  /**
   * The (primary, secondary, key) behind a VSS key.
   *
   * @throws IllegalArgumentException if it is not a key of this layout and master key
   */
  ScopedKey parse(String vssKey) {
    if (schema == VssKeySchema.V1) {
      int hash = vssKey.indexOf('#');
      if (hash < 0) {
        throw new IllegalArgumentException("Not a schema V1 VSS key (no '#'): " + vssKey);
      }
      String namespace = obfuscator.deobfuscate(vssKey.substring(0, hash));
      int split = namespace.indexOf('#');
      if (split < 0) {
        throw new IllegalArgumentException("VSS key namespace without '#': " + vssKey);
      }
      return ScopedKey.of(
          namespace.substring(0, split),
          namespace.substring(split + 1),
          obfuscator.deobfuscate(vssKey.substring(hash + 1)));
    }
    int first = vssKey.indexOf('#');
    if (first < 0) {
      return ScopedKey.of("", "", obfuscator.deobfuscate(vssKey));
    }
    int second = vssKey.indexOf('#', first + 1);
    if (second < 0) {
      throw new IllegalArgumentException("Not a schema V0 VSS key (one '#'): " + vssKey);
    }
    return ScopedKey.of(
        vssKey.substring(0, first),
        vssKey.substring(first + 1, second),
        obfuscator.deobfuscate(vssKey.substring(second + 1)));
  }
}
