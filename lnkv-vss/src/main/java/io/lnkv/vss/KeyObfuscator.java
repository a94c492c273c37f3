package io.lnkv.vss;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.AEADBadTagException;

/**
 * vss-client's deterministic key obfuscation, as ldk-node uses it: the same master key and string
 * always give the same obfuscated key, so the server can look keys up and list by prefix without
 * learning them.
 *
 * <p>obfuscate(s): {@code n1} = a synthetic nonce from {@code s}; {@code ct‖tag1} =
 * ChaCha20-Poly1305 of {@code s} under {@code n1}; {@code n2} = a synthetic nonce from {@code ct};
 * {@code wn‖tag2} = {@code n1} encrypted under {@code n2}; the result is base64 (standard alphabet,
 * no padding) of {@code ct‖tag1‖wn‖tag2}. A synthetic nonce is four zero bytes and the first 8
 * bytes of HMAC-SHA256(key = material, message = the hashing key). Immutable and thread-safe.
 */
final class KeyObfuscator {
  private static final int SUFFIX = Crypto.TAG_LENGTH + Crypto.NONCE_LENGTH + Crypto.TAG_LENGTH;

  private final byte[] obfuscationKey;
  private final byte[] hashingKey;

  /**
   * @param masterKey the 32-byte obfuscation master key ({@link VssKeys#obfuscationMasterKey})
   */
  public KeyObfuscator(byte[] masterKey) {
    if (masterKey.length != 32) {
      throw new IllegalArgumentException("the obfuscation master key must be 32 bytes");
    }
    byte[] prk = Crypto.hkdf(masterKey, ascii("pseudo_random_key"));
    this.obfuscationKey = Crypto.hkdf(prk, ascii("obfuscation_key"));
    this.hashingKey = Crypto.hkdf(prk, Crypto.concat(obfuscationKey, ascii("hashing_key")));
  }

  /** The obfuscated form of {@code key}: base64 without padding, {@code len + 44} bytes encoded. */
  public String obfuscate(String key) {
    byte[] plain = key.getBytes(StandardCharsets.UTF_8);
    byte[] n1 = syntheticNonce(plain);
    byte[] sealed = Crypto.seal(obfuscationKey, n1, plain, new byte[0]);
    byte[] ct = Crypto.slice(sealed, 0, plain.length);
    byte[] wrapped = Crypto.seal(obfuscationKey, syntheticNonce(ct), n1, new byte[0]);
    return Base64.getEncoder().withoutPadding().encodeToString(Crypto.concat(sealed, wrapped));
  }

  /**
   * The key behind an obfuscated one.
   *
   * @throws IllegalArgumentException if {@code obfuscated} was not made by this master key, is
   *     damaged, or is not base64
   */
  public String deobfuscate(String obfuscated) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(obfuscated);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Not an obfuscated VSS key (not base64): " + obfuscated);
    }
    if (bytes.length < SUFFIX) {
      throw new IllegalArgumentException("Not an obfuscated VSS key (too short): " + obfuscated);
    }
    int ctEnd = bytes.length - SUFFIX;
    byte[] ct = Crypto.slice(bytes, 0, ctEnd);
    byte[] sealed = Crypto.slice(bytes, 0, ctEnd + Crypto.TAG_LENGTH);
    byte[] wrapped = Crypto.slice(bytes, ctEnd + Crypto.TAG_LENGTH, bytes.length);
    try {
      byte[] n1 = Crypto.open(obfuscationKey, syntheticNonce(ct), wrapped, new byte[0]);
      byte[] plain = Crypto.open(obfuscationKey, n1, sealed, new byte[0]);
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(plain))
          .toString();
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException(
          "Cannot deobfuscate VSS key " + obfuscated + ": wrong master key or damaged key", e);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("Deobfuscated VSS key is not UTF-8: " + obfuscated, e);
    }
  }

  private byte[] syntheticNonce(byte[] material) {
    byte[] h = Crypto.hmac("HmacSHA256", material, hashingKey);
    return Crypto.concat(new byte[4], Crypto.slice(h, 0, 8));
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
