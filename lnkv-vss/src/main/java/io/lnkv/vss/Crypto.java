package io.lnkv.vss;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The JDK primitives VSS uses: HMAC-SHA256/512 and ChaCha20-Poly1305 (RFC 8439). */
final class Crypto {
  static final int TAG_LENGTH = 16;
  static final int NONCE_LENGTH = 12;

  private Crypto() {}

  static byte[] hmac(String algorithm, byte[] key, byte[]... messages) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      // an empty HMAC key equals a single zero byte (keys are zero-padded to the block size);
      // the JDK refuses empty keys
      mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
      for (byte[] m : messages) {
        mac.update(m);
      }
      return mac.doFinal();
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(algorithm + " is part of every JDK", e);
    }
  }

  /**
   * vss-client's "hkdf": not RFC 5869, but one HMAC-SHA256 with the salt as the key and the input
   * key material as the message.
   */
  static byte[] hkdf(byte[] ikm, byte[] salt) {
    return hmac("HmacSHA256", salt, ikm);
  }

  /** ChaCha20-Poly1305 encryption: ciphertext followed by the 16-byte tag. */
  static byte[] seal(byte[] key, byte[] nonce, byte[] plaintext, byte[] aad) {
    try {
      Cipher c = cipher(Cipher.ENCRYPT_MODE, key, nonce); // a new Cipher: nonces repeat by design
      if (aad.length > 0) {
        c.updateAAD(aad);
      }
      return c.doFinal(plaintext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 failed: " + e, e);
    }
  }

  /**
   * ChaCha20-Poly1305 decryption of ciphertext followed by its tag.
   *
   * @throws AEADBadTagException if the tag does not match (wrong key, AAD or damaged data)
   */
  static byte[] open(byte[] key, byte[] nonce, byte[] sealed, byte[] aad)
      throws AEADBadTagException {
    try {
      Cipher c = cipher(Cipher.DECRYPT_MODE, key, nonce);
      if (aad.length > 0) {
        c.updateAAD(aad);
      }
      return c.doFinal(sealed);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 failed: " + e, e);
    }
  }

  private static Cipher cipher(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
    if (key.length != 32 || nonce.length != NONCE_LENGTH) {
      throw new IllegalArgumentException("ChaCha20-Poly1305 needs a 32-byte key, 12-byte nonce");
    }
    Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
    c.init(mode, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
    return c;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  static byte[] slice(byte[] b, int from, int to) {
    return Arrays.copyOfRange(b, from, to);
  }
}
