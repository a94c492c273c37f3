package io.lnkv.vss;

import com.google.protobuf.ByteString;
import io.lnkv.IncompatibleStoreException;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsRequest;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import io.lnkv.vss.wire.PutObjectRequest;
import java.util.Optional;

/**
 * ldk-node's {@code determine_and_write_schema_version}: the key schema of a VSS store, from its
 * schema marker (an encrypted LDK TLV enum under the V1 schema-version key), else V0 when legacy
 * BDK wallet keys are there, else V1 — which a writer then records in the marker, and a reader does
 * not (a new store has nothing to read under either schema).
 */
final class SchemaDetection {
  private static final String V0_BDK_WALLET_PREFIX = "bdk_wallet#";

  private SchemaDetection() {}

  /**
   * @throws IncompatibleStoreException if the marker names a schema this code does not know
   */
  static VssKeySchema detect(
      VssClient client,
      String storeId,
      KeyObfuscator obfuscator,
      StorableCodec codec,
      boolean readOnly) {
    VssKeyLayout v1 = new VssKeyLayout(obfuscator, VssKeySchema.V1);
    String markerKey = v1.schemaVersionKey();
    Optional<KeyValue> marker = client.getObject(storeId, markerKey);
    if (marker.isPresent()) {
      byte[] tlv = codec.decrypt(marker.get().getValue().toByteArray(), v1.aad(markerKey)).value();
      // LDK's TLV-based enum: the variant id, then the (empty) TLV stream's length
      if (tlv.length >= 1 && (tlv[0] == 0 || tlv[0] == 1)) {
        return tlv[0] == 0 ? VssKeySchema.V0 : VssKeySchema.V1;
      }
      throw new IncompatibleStoreException(
          "VSS store '"
              + storeId
              + "' records an unknown key schema (variant "
              + (tlv.length == 0 ? "none" : tlv[0])
              + "); it was written by a newer ldk-node or lnkv. Upgrade lnkv");
    }
    ListKeyVersionsResponse legacy =
        client.listKeyVersions(
            ListKeyVersionsRequest.newBuilder()
                .setStoreId(storeId)
                .setKeyPrefix(V0_BDK_WALLET_PREFIX)
                .build());
    if (legacy.getKeyVersionsCount() > 0) {
      return VssKeySchema.V0;
    }
    if (readOnly) {
      return VssKeySchema.V1;
    }
    byte[] v1Marker = {1, 0};
    client.putObjects(
        PutObjectRequest.newBuilder()
            .setStoreId(storeId)
            .addTransactionItems(
                KeyValue.newBuilder()
                    .setKey(markerKey)
                    .setVersion(-1)
                    .setValue(
                        ByteString.copyFrom(
                            codec.encrypt(
                                v1Marker, StorableCodec.LDK_NODE_BLOB_VERSION, v1.aad(markerKey)))))
            .build(),
        VssClient.UNGUARDED); // version -1: it cannot conflict, and no lease is held yet
    return VssKeySchema.V1;
  }
}
