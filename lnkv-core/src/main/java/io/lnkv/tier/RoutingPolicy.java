package io.lnkv.tier;

import io.lnkv.KeyRules;
import io.lnkv.ScopedKey;
import io.lnkv.ldk.LdkKeys;
import java.util.HashSet;
import java.util.Set;

/**
 * Which keys hold rebuildable data (ephemeral) rather than state that must survive (durable).
 * Ephemeral keys go to a {@link TierStore}'s ephemeral tier, or to its primary when it has none,
 * and never to its backup. Immutable and thread-safe; the {@code with*} methods return new
 * policies.
 */
public final class RoutingPolicy {
  private final Set<ScopedKey> keys;
  private final Set<String> namespaces;

  private RoutingPolicy(Set<ScopedKey> keys, Set<String> namespaces) {
    this.keys = Set.copyOf(keys);
    this.namespaces = Set.copyOf(namespaces);
  }

  /**
   * LDK's routing (ldk-node's TierStore): {@code network_graph}, {@code scorer} and {@code
   * external_pathfinding_scores_cache} in the root scope are ephemeral; everything else is durable.
   */
  public static RoutingPolicy ldkDefault() {
    return new RoutingPolicy(LdkKeys.ephemeralKeys(), Set.of());
  }

  /** Every key durable. */
  public static RoutingPolicy allDurable() {
    return new RoutingPolicy(Set.of(), Set.of());
  }

  /**
   * This policy plus every key under {@code primaryNamespace} (any secondary namespace) as
   * ephemeral: a namespace of the user's that can be rebuilt.
   *
   * @throws io.lnkv.InvalidKeyException if the namespace is empty or breaks the key rules
   */
  public RoutingPolicy withEphemeralNamespace(String primaryNamespace) {
    KeyRules.checkScope(primaryNamespace, "");
    if (primaryNamespace.isEmpty()) {
      throw new IllegalArgumentException(
          "The root namespace holds LDK's channel manager and cannot be ephemeral as a whole;"
              + " name single keys with withEphemeralKey");
    }
    Set<String> more = new HashSet<>(namespaces);
    more.add(primaryNamespace);
    return new RoutingPolicy(keys, more);
  }

  /**
   * This policy plus one ephemeral key.
   *
   * @throws io.lnkv.InvalidKeyException if the key breaks the key rules
   */
  public RoutingPolicy withEphemeralKey(String primary, String secondary, String key) {
    KeyRules.checkKey(primary, secondary, key);
    Set<ScopedKey> more = new HashSet<>(keys);
    more.add(ScopedKey.of(primary, secondary, key));
    return new RoutingPolicy(more, namespaces);
  }

  /** Whether the key holds rebuildable data. */
  public boolean isEphemeral(ScopedKey key) {
    return keys.contains(key) || namespaces.contains(key.primaryNamespace());
  }

  /** Whether any key of the scope can be ephemeral (listing it must then merge tiers). */
  public boolean mayBeEphemeral(String primary, String secondary) {
    if (namespaces.contains(primary)) {
      return true;
    }
    for (ScopedKey k : keys) {
      if (k.primaryNamespace().equals(primary) && k.secondaryNamespace().equals(secondary)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "RoutingPolicy{ephemeral keys=" + keys + ", ephemeral namespaces=" + namespaces + "}";
  }
}
