package io.lnkv;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.ldk.LdkKeys;
import org.junit.jupiter.api.Test;

class LdkKeysTest {
  @Test
  void ephemeral_isExactlyTheThreeRootCaches() {
    assertThat(LdkKeys.isEphemeral(ScopedKey.of("", "", "network_graph"))).isTrue();
    assertThat(LdkKeys.isEphemeral(ScopedKey.of("", "", "scorer"))).isTrue();
    assertThat(LdkKeys.isEphemeral(ScopedKey.of("", "", "external_pathfinding_scores_cache")))
        .isTrue();
    assertThat(LdkKeys.ephemeralKeys()).hasSize(3).allMatch(LdkKeys::isEphemeral);
    for (String durable : new String[] {"manager", "output_sweeper", "events", "peers"}) {
      assertThat(LdkKeys.isEphemeral(ScopedKey.of("", "", durable))).isFalse();
    }
    assertThat(LdkKeys.isEphemeral(ScopedKey.of("payments", "", "scorer"))).isFalse();
    assertThat(LdkKeys.isEphemeral(ScopedKey.of("monitors", "", "network_graph"))).isFalse();
  }

  @Test
  void wellKnownNames_passLdksKeyRules() {
    for (String part :
        new String[] {
          LdkKeys.CHANNEL_MANAGER_KEY,
          LdkKeys.MONITORS_NAMESPACE,
          LdkKeys.MONITOR_UPDATES_NAMESPACE,
          LdkKeys.ARCHIVED_MONITORS_NAMESPACE,
          LdkKeys.PAYMENTS_NAMESPACE,
          LdkKeys.PENDING_PAYMENTS_NAMESPACE,
          LdkKeys.BDK_WALLET_NAMESPACE,
          LdkKeys.STATIC_INVOICES_NAMESPACE,
          LdkKeys.LIQUIDITY_NAMESPACE,
          LdkKeys.VSS_SCHEMA_VERSION_KEY
        }) {
      assertThat(KeyRules.isValidPart(part)).as(part).isTrue();
    }
  }
}
