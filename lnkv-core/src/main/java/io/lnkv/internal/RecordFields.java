package io.lnkv.internal;

import io.lnkv.InvalidKeyException;
import io.lnkv.ScopedKey;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Reading the fields of a {@link RecordLog} record, which is hostile input even with a valid digest
 * (anyone who can write the file can write one): counts are bounded by the record's length before
 * anything is allocated, keys must pass LDK's rules (so that no replay reaches outside a store),
 * and a record that ends early says so instead of failing with a bare {@link EOFException}.
 */
public final class RecordFields {
  private RecordFields() {}

  /**
   * An item count, at least 1 and at most what {@code recordLength} bytes can hold.
   *
   * @param minItemBytes the fewest bytes one item takes
   * @throws IOException saying what is wrong
   */
  public static int count(DataInputStream in, int recordLength, int minItemBytes)
      throws IOException {
    int count = ended(in::readInt, "its count");
    if (count < 1 || count > recordLength / minItemBytes) {
      throw new IOException("it claims " + count + " items in " + recordLength + " bytes");
    }
    return count;
  }

  /**
   * A key written as three modified-UTF-8 strings, checked against LDK's rules.
   *
   * @param item the item's index, for the message
   * @throws IOException if the record ends inside it, or it is not a valid key
   */
  public static ScopedKey key(DataInputStream in, int item) throws IOException {
    ScopedKey key =
        ended(
            () -> ScopedKey.of(in.readUTF(), in.readUTF(), in.readUTF()),
            "the key of item " + item);
    try {
      key.validate();
    } catch (InvalidKeyException e) {
      throw new IOException("item " + item + " names an invalid key: " + e.getMessage(), e);
    }
    return key;
  }

  /** A field read that fails with a message naming it when the record ends inside it. */
  @FunctionalInterface
  public interface Field<T> {
    T read() throws IOException;
  }

  /**
   * Reads {@code field}, turning an end of record into an {@link IOException} naming {@code what}.
   */
  public static <T> T ended(Field<T> field, String what) throws IOException {
    try {
      return field.read();
    } catch (EOFException e) {
      throw new IOException("it ends inside " + what, e);
    }
  }
}
