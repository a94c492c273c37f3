package io.lnkv.vss;

/**
 * ldk-node's VSS key schemas: how a store's (namespace, key) pairs become VSS keys. A store keeps
 * the schema its data was written with ({@link VssStore#schema()}).
 */
public enum VssKeySchema {
  /**
   * Legacy: the VSS key is {@code primary#secondary#obfuscate(key)} with the namespaces in plain
   * text ({@code obfuscate(key)} alone in the root scope), and values are encrypted with empty
   * associated data. A store is V0 when it has no schema marker and holds keys under {@code
   * bdk_wallet#}; it stays V0.
   */
  V0,
  /**
   * For new stores: the VSS key is {@code obfuscate(primary#secondary)#obfuscate(key)}, and each
   * value is encrypted with its whole VSS key as associated data.
   */
  V1
}
