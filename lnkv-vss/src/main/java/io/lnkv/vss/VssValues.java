package io.lnkv.vss;

import com.google.protobuf.ByteString;
import io.lnkv.CorruptedDataException;
import io.lnkv.ScopedKey;
import io.lnkv.vss.wire.KeyValue;

/**
 * How a {@link VssStore} seals a value into the item it sends and opens an item it reads:
 * ldk-node's {@code Storable} encryption ({@link StorableCodec}), bound to the item's VSS key as
 * associated data ({@link VssKeyLayout#aad}), so that a value moved to another key does not open.
 * The store's data and its writer lease go through this one class.
 */
final class VssValues {
  private final StorableCodec codec;
  private final VssKeyLayout layout;
  private final String where;

  VssValues(StorableCodec codec, VssKeyLayout layout, String where) {
    this.codec = codec;
    this.layout = layout;
    this.where = where;
  }

  /** The item that writes {@code value} at {@code vssKey} with {@code version}. */
  KeyValue seal(String vssKey, long version, byte[] value) {
    byte[] storable = codec.encrypt(value, StorableCodec.LDK_NODE_BLOB_VERSION, layout.aad(vssKey));
    return KeyValue.newBuilder()
        .setKey(vssKey)
        .setVersion(version)
        .setValue(ByteString.copyFrom(storable))
        .build();
  }

  /**
   * The value of an item read at {@code vssKey} for {@code key}.
   *
   * @throws CorruptedDataException if it does not decrypt: damaged, moved, or sealed with another
   *     seed
   */
  byte[] open(ScopedKey key, String vssKey, KeyValue stored) {
    try {
      return codec.decrypt(stored.getValue().toByteArray(), layout.aad(vssKey)).value();
    } catch (CorruptedDataException e) {
      throw new CorruptedDataException(
          "The value of "
              + key
              + " in "
              + where
              + " cannot be decrypted: "
              + e.getMessage()
              + ". Check that the store was opened with the seed (keys) that wrote it",
          e);
    }
  }
}
