package io.lnkv.vss;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.lnkv.CorruptedDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;

/**
 * vss-client's {@code StorableBuilder}: a value is stored as a protobuf {@code Storable} —
 * ChaCha20-Poly1305 ciphertext of {@code PlaintextBlob{value = 1, version = 2}} (field 1) and
 * {@code EncryptionMetadata{cipher_format = "ChaCha20Poly1305", nonce (12 bytes), tag (16 bytes)}}
 * (field 2) — under a random nonce, with an AAD (ldk-node: the VSS key under schema V1, nothing
 * under V0). Thread-safe.
 */
final class StorableCodec {
  /** What ldk-node writes into {@code PlaintextBlob.version}. */
  public static final long LDK_NODE_BLOB_VERSION = -1;

  private static final String CIPHER_FORMAT = "ChaCha20Poly1305";

  private final byte[] key;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param dataEncryptionKey 32 bytes ({@link VssKeys#dataEncryptionKey})
   */
  public StorableCodec(byte[] dataEncryptionKey) {
    if (dataEncryptionKey.length != 32) {
      throw new IllegalArgumentException("the data encryption key must be 32 bytes");
    }
    this.key = dataEncryptionKey.clone();
  }

  /** A decrypted value and the version its blob carried. */
  public record Plaintext(byte[] value, long version) {}

  /** The serialized {@code Storable} of {@code value}. */
  public byte[] encrypt(byte[] value, long blobVersion, byte[] aad) {
    byte[] nonce = new byte[Crypto.NONCE_LENGTH];
    random.nextBytes(nonce);
    return encrypt(value, blobVersion, aad, nonce);
  }

  byte[] encrypt(byte[] value, long blobVersion, byte[] aad, byte[] nonce) {
    byte[] sealed = Crypto.seal(key, nonce, plaintextBlob(value, blobVersion), aad);
    int ctLength = sealed.length - Crypto.TAG_LENGTH;
    return serialize(
        out -> {
          out.writeBytes(1, ByteString.copyFrom(sealed, 0, ctLength));
          byte[] metadata =
              serialize(
                  m -> {
                    m.writeString(1, CIPHER_FORMAT);
                    m.writeBytes(2, ByteString.copyFrom(nonce));
                    m.writeBytes(3, ByteString.copyFrom(sealed, ctLength, Crypto.TAG_LENGTH));
                  });
          out.writeByteArray(2, metadata);
        });
  }

  /**
   * Decrypts a serialized {@code Storable}.
   *
   * @throws CorruptedDataException if it is not one, or fails authentication (wrong key or AAD, or
   *     damaged)
   */
  public Plaintext decrypt(byte[] storable, byte[] aad) {
    try {
      byte[] data = new byte[0];
      byte[] nonce = null;
      byte[] tag = null;
      CodedInputStream in = CodedInputStream.newInstance(storable);
      for (int t = in.readTag(); t != 0; t = in.readTag()) {
        switch (t >>> 3) {
          case 1 -> data = in.readByteArray();
          case 2 -> {
            CodedInputStream m = CodedInputStream.newInstance(in.readByteArray());
            for (int mt = m.readTag(); mt != 0; mt = m.readTag()) {
              switch (mt >>> 3) {
                case 2 -> nonce = m.readByteArray();
                case 3 -> tag = m.readByteArray();
                default -> m.skipField(mt); // cipher_format: written, not checked (vss-client)
              }
            }
          }
          default -> in.skipField(t);
        }
      }
      if (nonce == null
          || nonce.length != Crypto.NONCE_LENGTH
          || tag == null
          || tag.length != Crypto.TAG_LENGTH) {
        throw new CorruptedDataException(
            "VSS value without a 12-byte nonce and a 16-byte tag: not a Storable");
      }
      byte[] blob = Crypto.open(key, nonce, Crypto.concat(data, tag), aad);
      byte[] value = new byte[0];
      long version = 0;
      CodedInputStream b = CodedInputStream.newInstance(blob);
      for (int t = b.readTag(); t != 0; t = b.readTag()) {
        switch (t >>> 3) {
          case 1 -> value = b.readByteArray();
          case 2 -> version = b.readInt64();
          default -> b.skipField(t);
        }
      }
      return new Plaintext(value, version);
    } catch (AEADBadTagException e) {
      throw new CorruptedDataException(
          "VSS value fails authentication: wrong data key, wrong AAD (key or schema), or damaged",
          e);
    } catch (IOException e) {
      throw new CorruptedDataException("VSS value is not a valid Storable: " + e.getMessage(), e);
    }
  }

  private static byte[] plaintextBlob(byte[] value, long version) {
    return serialize(
        out -> {
          if (value.length > 0) {
            out.writeByteArray(1, value);
          }
          if (version != 0) {
            out.writeInt64(2, version);
          }
        });
  }

  @FunctionalInterface
  private interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] serialize(Fields fields) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      fields.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
  }
}
