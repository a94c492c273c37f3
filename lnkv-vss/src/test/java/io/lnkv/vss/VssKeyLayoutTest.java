package io.lnkv.vss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.ScopedKey;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ldk-node's VSS key schemas V1 and V0. */
class VssKeyLayoutTest {
  private static final VssKeys KEYS = VssKeys.fromVssSeed(filled(0x2A));
  private static final KeyObfuscator OBF = new KeyObfuscator(KEYS.obfuscationMasterKey());

  private static byte[] filled(int v) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) v);
    return b;
  }

  private static final List<ScopedKey> KEYS_OF_A_NODE =
      List.of(
          ScopedKey.of("", "", "manager"),
          ScopedKey.of("monitors", "", "abc_1"),
          ScopedKey.of("monitor_updates", "abc_1", "12"),
          ScopedKey.of("bdk_wallet", "", "descriptor"));

  @Test
  void v1_roundTrips_listsByPrefix_andUsesTheKeyAsAad() {
    VssKeyLayout v1 = new VssKeyLayout(OBF, VssKeySchema.V1);
    for (ScopedKey k : KEYS_OF_A_NODE) {
      String vss = v1.vssKey(k);
      assertThat(v1.parse(vss)).isEqualTo(k);
      assertThat(vss).startsWith(v1.prefix(k.primaryNamespace(), k.secondaryNamespace()) + "#");
      assertThat(vss).doesNotContain(k.key()).doesNotContain("monitors");
      assertThat(new String(v1.aad(vss), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(vss);
    }
    assertThat(v1.vssKey(ScopedKey.of("", "", VssKeyLayout.SCHEMA_VERSION_KEY)))
        .isEqualTo(v1.schemaVersionKey())
        .isEqualTo(
            "pE3Ru5Lj56gjr79D7yRPD0ZlgwQDXk6rDMw7IeSKOxB7a1+XsknntxP6diUb#H9Y/HXtTyWEuG4mdkj4R5jjM0dJ8k7NdqHKxp7/2jXMMLkgUHW88WelfCRcfdx8DfhdwztzcNhRdBePozEM");
  }

  @Test
  void v1_longestKey_fitsTheServersColumnOf600() {
    VssKeyLayout v1 = new VssKeyLayout(OBF, VssKeySchema.V1);
    String part = "x".repeat(120);
    assertThat(v1.vssKey(ScopedKey.of(part, part, part))).hasSize(600);
  }

  @Test
  void v0_keepsNamespacesInPlainText_withEmptyAad() {
    VssKeyLayout v0 = new VssKeyLayout(OBF, VssKeySchema.V0);
    for (ScopedKey k : KEYS_OF_A_NODE) {
      String vss = v0.vssKey(k);
      assertThat(v0.parse(vss)).isEqualTo(k);
      assertThat(v0.aad(vss)).isEmpty();
    }
    assertThat(v0.vssKey(ScopedKey.of("bdk_wallet", "", "descriptor")))
        .startsWith("bdk_wallet##")
        .startsWith(v0.prefix("bdk_wallet", ""));
    assertThat(v0.vssKey(ScopedKey.of("", "", "manager"))).isEqualTo(OBF.obfuscate("manager"));
  }

  @Test
  void foreignKeys_areRefused() {
    VssKeyLayout v1 = new VssKeyLayout(OBF, VssKeySchema.V1);
    assertThatThrownBy(() -> v1.parse("plain")).isInstanceOf(IllegalArgumentException.class);
    String other =
        new VssKeyLayout(new KeyObfuscator(filled(1)), VssKeySchema.V1)
            .vssKey(ScopedKey.of("", "", "manager"));
    assertThatThrownBy(() -> v1.parse(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("wrong master key");
  }
}
