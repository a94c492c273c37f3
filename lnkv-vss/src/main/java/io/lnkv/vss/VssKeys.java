package io.lnkv.vss;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The two keys of ldk-node's VSS data: the data encryption key ({@link StorableCodec}) and the
 * obfuscation master key ({@link KeyObfuscator}). ldk-node derives them from the node's 64-byte
 * seed: the BIP32 key {@code m/877'} gives the 32-byte {@code vss_seed}, then {@code prk =
 * hkdf(vss_seed, "pseudo_random_key")}, the data key {@code hkdf(prk, "data_encryption_key")} and
 * the obfuscation master {@code hkdf(prk, data_key ‖ "obfuscation_key")} (vss-client's one-HMAC
 * "hkdf"). Immutable; the arrays returned are copies.
 */
public final class VssKeys {
  /** ldk-node's BIP32 index for VSS, hardened: {@code m/877'}. */
  public static final int VSS_HARDENED_CHILD = 877;

  private static final BigInteger CURVE_ORDER =
      new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

  private final byte[] dataEncryptionKey;
  private final byte[] obfuscationMasterKey;

  private VssKeys(byte[] dataEncryptionKey, byte[] obfuscationMasterKey) {
    this.dataEncryptionKey = dataEncryptionKey.clone();
    this.obfuscationMasterKey = obfuscationMasterKey.clone();
  }

  /** The keys given directly (32 bytes each). */
  public static VssKeys of(byte[] dataEncryptionKey, byte[] obfuscationMasterKey) {
    if (dataEncryptionKey.length != 32 || obfuscationMasterKey.length != 32) {
      throw new IllegalArgumentException("VSS keys are 32 bytes each");
    }
    return new VssKeys(dataEncryptionKey, obfuscationMasterKey);
  }

  /** The keys ldk-node derives from a node's 64-byte seed. */
  public static VssKeys fromNodeSeed(byte[] nodeSeed) {
    if (nodeSeed.length != 64) {
      throw new IllegalArgumentException("ldk-node's seed is 64 bytes, got " + nodeSeed.length);
    }
    return fromVssSeed(hardenedChild(masterKey(nodeSeed), VSS_HARDENED_CHILD)[0]);
  }

  /** The keys ldk-node derives from the 32-byte secret key of {@code m/877'}. */
  public static VssKeys fromVssSeed(byte[] vssSeed) {
    if (vssSeed.length != 32) {
      throw new IllegalArgumentException("the VSS seed is 32 bytes, got " + vssSeed.length);
    }
    byte[] prk = Crypto.hkdf(vssSeed, KeyObfuscator.ascii("pseudo_random_key"));
    byte[] data = Crypto.hkdf(prk, KeyObfuscator.ascii("data_encryption_key"));
    byte[] obfuscation =
        Crypto.hkdf(prk, Crypto.concat(data, KeyObfuscator.ascii("obfuscation_key")));
    return new VssKeys(data, obfuscation);
  }

  /** A copy of the 32-byte key values are encrypted with. */
  public byte[] dataEncryptionKey() {
    return dataEncryptionKey.clone();
  }

  /** A copy of the 32-byte key keys are obfuscated with. */
  public byte[] obfuscationMasterKey() {
    return obfuscationMasterKey.clone();
  }

  /** BIP32 master key: {secret key, chain code} from HMAC-SHA512("Bitcoin seed", seed). */
  static byte[][] masterKey(byte[] seed) {
    byte[] i = Crypto.hmac("HmacSHA512", KeyObfuscator.ascii("Bitcoin seed"), seed);
    return split(i, null);
  }

  /**
   * BIP32 hardened child {@code index'} of {key, chain code}: HMAC-SHA512(chain code, 0x00 ‖ key ‖
   * ser32(index + 2^31)); the child key is IL + key mod n. Hardened derivation needs no curve
   * arithmetic.
   */
  static byte[][] hardenedChild(byte[][] parent, int index) {
    byte[] data =
        ByteBuffer.allocate(37).put((byte) 0).put(parent[0]).putInt(index | 0x80000000).array();
    return split(Crypto.hmac("HmacSHA512", parent[1], data), parent[0]);
  }

  private static byte[][] split(byte[] i, byte[] parentKey) {
    BigInteger il = new BigInteger(1, Arrays.copyOfRange(i, 0, 32));
    if (il.compareTo(CURVE_ORDER) >= 0) {
      throw new IllegalStateException("BIP32 derivation hit an invalid key; use the next index");
    }
    BigInteger key = parentKey == null ? il : il.add(new BigInteger(1, parentKey)).mod(CURVE_ORDER);
    if (key.signum() == 0) {
      throw new IllegalStateException("BIP32 derivation hit an invalid key; use the next index");
    }
    return new byte[][] {to32(key), Arrays.copyOfRange(i, 32, 64)};
  }

  /** {@code n} as 32 big-endian bytes. */
  static byte[] to32(BigInteger n) {
    byte[] b = n.toByteArray();
    byte[] out = new byte[32];
    int from = Math.max(0, b.length - 32);
    System.arraycopy(b, from, out, 32 - (b.length - from), b.length - from);
    return out;
  }
}
