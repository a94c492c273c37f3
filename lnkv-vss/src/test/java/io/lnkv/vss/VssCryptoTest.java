package io.lnkv.vss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.CorruptedDataException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** ldk-node's VSS crypto against the reference's test vectors, and its failure modes. */
class VssCryptoTest {
  private static final HexFormat HEX = HexFormat.of();

  private static byte[] filled(int value) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void obfuscation_matchesVssClientsVector() {
    KeyObfuscator o = new KeyObfuscator(filled(0x2A));
    String obfuscated = o.obfuscate("a_semi_secret_key");
    assertThat(obfuscated)
        .isEqualTo(
            "cMoet5WTvl0nYds+VW7JPCtXUq24DtMG2dR9apAi/T5jy8eNIEyDrUAJBS4geeUuX+XGXPqlizIByOip2g");
    assertThat(o.deobfuscate(obfuscated)).isEqualTo("a_semi_secret_key");
  }

  @Test
  void keysFromTheVssSeed_andTheSchemaVersionKey_matchTheReference() {
    VssKeys keys = VssKeys.fromVssSeed(filled(0x2A));
    assertThat(HEX.formatHex(keys.dataEncryptionKey()))
        .isEqualTo("8566b29e4ad0468fdc4196ea2bd4e84123ce4992ccc0cb7a659f3f6389144eca");
    assertThat(HEX.formatHex(keys.obfuscationMasterKey()))
        .isEqualTo("8e91cd8178db5c9277e115e4abd74f4d5ee7a233d35b30b41be3e3b816bdfdff");
    KeyObfuscator o = new KeyObfuscator(keys.obfuscationMasterKey());
    assertThat(o.obfuscate("#") + "#" + o.obfuscate("vss_schema_version"))
        .isEqualTo(
            "pE3Ru5Lj56gjr79D7yRPD0ZlgwQDXk6rDMw7IeSKOxB7a1+XsknntxP6diUb#H9Y/HXtTyWEuG4mdkj4R5jjM0dJ8k7NdqHKxp7/2jXMMLkgUHW88WelfCRcfdx8DfhdwztzcNhRdBePozEM");
  }

  @Test
  void bip32HardenedDerivation_matchesBip32TestVector1() {
    byte[][] master = VssKeys.masterKey(HEX.parseHex("000102030405060708090a0b0c0d0e0f"));
    assertThat(HEX.formatHex(master[0]))
        .isEqualTo("e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35");
    assertThat(HEX.formatHex(master[1]))
        .isEqualTo("873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508");
    byte[][] child = VssKeys.hardenedChild(master, 0);
    assertThat(HEX.formatHex(child[0]))
        .isEqualTo("edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea");
    assertThat(HEX.formatHex(child[1]))
        .isEqualTo("47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141");
  }

  @Test
  void nodeSeed_derivesThroughM877h() {
    byte[] seed = new byte[64];
    Arrays.fill(seed, (byte) 7);
    byte[] vssSeed = VssKeys.hardenedChild(VssKeys.masterKey(seed), 877)[0];
    assertThat(VssKeys.fromNodeSeed(seed).dataEncryptionKey())
        .isEqualTo(VssKeys.fromVssSeed(vssSeed).dataEncryptionKey());
    assertThatThrownBy(() -> VssKeys.fromNodeSeed(new byte[32]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 bytes");
  }

  @Test
  void obfuscation_isDeterministic_roundTrips_andRefusesForeignKeys() {
    KeyObfuscator o = new KeyObfuscator(filled(1));
    for (String s : new String[] {"#", "monitors#", "k", "é∑ unicode", "x".repeat(285)}) {
      String ob = o.obfuscate(s);
      assertThat(ob).isEqualTo(o.obfuscate(s)).doesNotContain("=");
      assertThat(ob).hasSize((int) Math.ceil((utf8(s).length + 44) * 4 / 3.0));
      assertThat(o.deobfuscate(ob)).isEqualTo(s);
    }
    String ob = o.obfuscate("manager");
    assertThatThrownBy(() -> new KeyObfuscator(filled(2)).deobfuscate(ob))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("wrong master key");
    assertThatThrownBy(() -> o.deobfuscate("c2hvcnQ"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too short");
  }

  @Test
  void storable_roundTripsWithItsAad_andFailsWithAnother() {
    StorableCodec codec = new StorableCodec(filled(9));
    byte[] aad = utf8("obfuscated#key");
    byte[] value = utf8("channel monitor bytes");
    byte[] storable = codec.encrypt(value, StorableCodec.LDK_NODE_BLOB_VERSION, aad);
    assertThat(new String(storable, StandardCharsets.ISO_8859_1)).doesNotContain("channel");
    StorableCodec.Plaintext p = codec.decrypt(storable, aad);
    assertThat(p.value()).isEqualTo(value);
    assertThat(p.version()).isEqualTo(-1);
    assertThat(codec.encrypt(value, -1, aad)).as("random nonces").isNotEqualTo(storable);
    assertThatThrownBy(() -> codec.decrypt(storable, utf8("other#key")))
        .isInstanceOf(CorruptedDataException.class)
        .hasMessageContaining("wrong AAD");
    byte[] damaged = storable.clone();
    damaged[5] ^= 1;
    assertThatThrownBy(() -> codec.decrypt(damaged, aad))
        .isInstanceOf(CorruptedDataException.class);
    assertThatThrownBy(() -> codec.decrypt(new byte[] {1, 2, 3}, aad))
        .isInstanceOf(CorruptedDataException.class);
  }

  @Test
  void storable_layoutIsTheProtobufVssClientWrites() {
    StorableCodec codec = new StorableCodec(filled(3));
    byte[] nonce = HEX.parseHex("000000000001020304050607");
    byte[] storable = codec.encrypt(utf8("v"), 42, new byte[0], nonce);
    // Storable: field 1 (data), then field 2 (metadata: "ChaCha20Poly1305", nonce, tag)
    assertThat(storable[0]).isEqualTo((byte) 0x0a);
    String s = new String(storable, StandardCharsets.ISO_8859_1);
    assertThat(s).contains("ChaCha20Poly1305");
    assertThat(codec.decrypt(storable, new byte[0]))
        .satisfies(
            p -> {
              assertThat(p.value()).isEqualTo(utf8("v"));
              assertThat(p.version()).isEqualTo(42);
            });
  }

  /** vss-client's {@code deobfuscate_v031_key}: keys obfuscated by v0.3.1 still deobfuscate. */
  @Test
  void deobfuscation_ofAV031Key_matchesVssClientsVector() {
    KeyObfuscator obfuscator = new KeyObfuscator(filled(0xAB));
    assertThat(
            obfuscator.deobfuscate(
                "nxrixRQPGawY+a9JFLThii0RgeADtEdSjh2YDgpZhBKOuw6GKr5UAIIwsQCathJlZsmuSku+RGB1/JuxFUMQGoAwa+M8tg"))
        .isEqualTo("my_storage_key_v031_compat");
  }

  /**
   * vss-client's {@code decrypt_v031_storable}: a Storable written by v0.3.1 (empty AAD, nonce of 4
   * zero bytes then 8 random ones) decrypts with the data key 0x00..0x1F.
   */
  @Test
  void storable_writtenByV031_decryptsWithAnEmptyAad() {
    byte[] key = new byte[32];
    for (int i = 0; i < 32; i++) {
      key[i] = (byte) i;
    }
    byte[] v031 =
        HEX.parseHex(
            "0a1d3219e9fb45d742f56c401b7413e7ae07fd81e1433af2863ce88f01f86c12320a10436861436861"
                + "3230506f6c7931333035120c0000000000010203040506071a1087163502261e30ec7cf14b7970a24116");
    StorableCodec.Plaintext p = new StorableCodec(key).decrypt(v031, new byte[0]);
    assertThat(p.value()).isEqualTo(utf8("backward_compat_test_data"));
    assertThat(p.version()).isEqualTo(42);
    assertThatThrownBy(() -> new StorableCodec(key).decrypt(v031, utf8("some aad")))
        .isInstanceOf(io.lnkv.CorruptedDataException.class);
  }
}
