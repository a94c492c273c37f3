package io.lnkv;

import java.util.Arrays;
import java.util.Objects;

/**
 * One operation of an atomic batch (see {@link KVStore#writeBatch}): a write or a remove.
 *
 * <p>A {@link Write} keeps the array it is given; do not change it until the batch completed.
 */
public sealed interface BatchOp permits BatchOp.Write, BatchOp.Remove {
  /** The key this operation applies to. */
  ScopedKey key();

  /** A write of {@code value} at {@code key}. */
  static Write write(String primary, String secondary, String key, byte[] value) {
    return new Write(ScopedKey.of(primary, secondary, key), value);
  }

  /** A remove of {@code key}. */
  static Remove remove(String primary, String secondary, String key) {
    return new Remove(ScopedKey.of(primary, secondary, key));
  }

  /** Creates or replaces the value at {@link #key()}. */
  record Write(ScopedKey key, byte[] value) implements BatchOp {
    public Write {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Write w && w.key.equals(key) && Arrays.equals(w.value, value);
    }

    @Override
    public int hashCode() {
      return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Write[" + key + ", " + value.length + " bytes]";
    }
  }

  /** Removes the value at {@link #key()}, if any. Inside a batch a remove is never lazy. */
  record Remove(ScopedKey key) implements BatchOp {
    public Remove {
      Objects.requireNonNull(key, "key");
    }
  }
}
