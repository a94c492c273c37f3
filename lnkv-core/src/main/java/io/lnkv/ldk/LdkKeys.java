package io.lnkv.ldk;

import io.lnkv.ScopedKey;
import java.util.Set;

/**
 * The namespaces and keys LDK, ldk-node and LDK's liquidity crate write (reference §5), and which
 * of them are ephemeral: caches a node rebuilds on its own (network graph, scorer, ldk-node's
 * external scores cache). Everything else is durable: losing it can lose funds.
 */
public final class LdkKeys {
  private LdkKeys() {}

  /** The root scope's empty namespace. */
  public static final String ROOT = "";

  /** {@code ""/""/manager}: the ChannelManager. */
  public static final String CHANNEL_MANAGER_KEY = "manager";

  /** {@code monitors/""/<MonitorName>}: full ChannelMonitors. */
  public static final String MONITORS_NAMESPACE = "monitors";

  /** {@code monitor_updates/<MonitorName>/<update id>}: ChannelMonitorUpdates. */
  public static final String MONITOR_UPDATES_NAMESPACE = "monitor_updates";

  /** {@code archived_monitors/""/<MonitorName>}: monitors of closed channels. */
  public static final String ARCHIVED_MONITORS_NAMESPACE = "archived_monitors";

  /** {@code ""/""/network_graph}: the NetworkGraph (ephemeral). */
  public static final String NETWORK_GRAPH_KEY = "network_graph";

  /** {@code ""/""/scorer}: the scorer (ephemeral). */
  public static final String SCORER_KEY = "scorer";

  /** {@code ""/""/external_pathfinding_scores_cache}: ldk-node's scores cache (ephemeral). */
  public static final String EXTERNAL_SCORES_CACHE_KEY = "external_pathfinding_scores_cache";

  /** {@code ""/""/output_sweeper}: the OutputSweeper. */
  public static final String OUTPUT_SWEEPER_KEY = "output_sweeper";

  /** {@code ""/""/events}: ldk-node's event queue. */
  public static final String EVENTS_KEY = "events";

  /** {@code ""/""/peers}: ldk-node's peer store. */
  public static final String PEERS_KEY = "peers";

  /** {@code ""/""/node_metrics}: ldk-node's node metrics. */
  public static final String NODE_METRICS_KEY = "node_metrics";

  /** {@code payments/""/<hex PaymentId>}: ldk-node's payments. */
  public static final String PAYMENTS_NAMESPACE = "payments";

  /** {@code pending_payments/""/<hex id>}: ldk-node's pending payments. */
  public static final String PENDING_PAYMENTS_NAMESPACE = "pending_payments";

  /** {@code bdk_wallet/""/<part>}: the BDK wallet. */
  public static final String BDK_WALLET_NAMESPACE = "bdk_wallet";

  /** {@code static_invoices/<hex sha256(recipient id)>/<slot %05d>}: async-payment invoices. */
  public static final String STATIC_INVOICES_NAMESPACE = "static_invoices";

  /** {@code lightning_liquidity_state/...}: LSPS state. */
  public static final String LIQUIDITY_NAMESPACE = "lightning_liquidity_state";

  /** {@code ""/""/vss_schema_version}: the VSS schema marker (VSS only, stored obfuscated). */
  public static final String VSS_SCHEMA_VERSION_KEY = "vss_schema_version";

  /** The sentinel that MonitorUpdatingPersister puts before a monitor's bytes. */
  public static final byte[] MONITOR_UPDATING_PERSISTER_SENTINEL = {(byte) 0xFF, (byte) 0xFF};

  private static final Set<String> EPHEMERAL_ROOT_KEYS =
      Set.of(NETWORK_GRAPH_KEY, SCORER_KEY, EXTERNAL_SCORES_CACHE_KEY);

  /** The keys routed to an ephemeral tier by default: the three caches, in the root scope. */
  public static Set<ScopedKey> ephemeralKeys() {
    return Set.of(
        ScopedKey.of(ROOT, ROOT, NETWORK_GRAPH_KEY),
        ScopedKey.of(ROOT, ROOT, SCORER_KEY),
        ScopedKey.of(ROOT, ROOT, EXTERNAL_SCORES_CACHE_KEY));
  }

  /** Whether LDK treats the key as a rebuildable cache (ldk-node's TierStore routing). */
  public static boolean isEphemeral(ScopedKey key) {
    return key.primaryNamespace().isEmpty()
        && key.secondaryNamespace().isEmpty()
        && EPHEMERAL_ROOT_KEYS.contains(key.key());
  }
}
