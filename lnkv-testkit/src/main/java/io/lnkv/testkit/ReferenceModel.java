package io.lnkv.testkit;

import io.lnkv.ScopedKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately simple model of the contract, trusted because it is obviously right: a map of
 * values and a creation counter. The conformance suite compares stores with it. Not thread-safe.
 */
public final class ReferenceModel {
  private final Map<ScopedKey, byte[]> values = new HashMap<>();
  private final Map<ScopedKey, Long> created = new HashMap<>();
  private long counter;

  /** An empty model: no key, nothing written yet. */
  public ReferenceModel() {}

  /** Creates or replaces; a replaced key keeps its creation position. */
  public void write(ScopedKey key, byte[] value) {
    if (!values.containsKey(key)) {
      created.put(key, ++counter);
    }
    values.put(key, value.clone());
  }

  /** Removes the key if present. */
  public void remove(ScopedKey key) {
    values.remove(key);
    created.remove(key);
  }

  /** The value, or null when missing. */
  public byte[] read(ScopedKey key) {
    byte[] v = values.get(key);
    return v == null ? null : v.clone();
  }

  /** The keys of a scope, sorted by name (compare sorted). */
  public List<String> list(String primary, String secondary) {
    return inScope(primary, secondary).stream().map(ScopedKey::key).sorted().toList();
  }

  /** The keys of a scope, newest-created first: what all pages together must return. */
  public List<String> newestFirst(String primary, String secondary) {
    List<ScopedKey> keys = new ArrayList<>(inScope(primary, secondary));
    keys.sort(Comparator.comparingLong((ScopedKey k) -> created.get(k)).reversed());
    return keys.stream().map(ScopedKey::key).toList();
  }

  /** Every key. */
  public List<ScopedKey> allKeys() {
    return List.copyOf(values.keySet());
  }

  /** Whether the model holds {@code value} at {@code key}. */
  public boolean holds(ScopedKey key, byte[] value) {
    return Arrays.equals(values.get(key), value);
  }

  private List<ScopedKey> inScope(String primary, String secondary) {
    return values.keySet().stream()
        .filter(
            k -> k.primaryNamespace().equals(primary) && k.secondaryNamespace().equals(secondary))
        .toList();
  }
}
