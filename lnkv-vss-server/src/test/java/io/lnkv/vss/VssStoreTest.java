package io.lnkv.vss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.lnkv.ConflictException;
import io.lnkv.InvalidKeyException;
import io.lnkv.ScopedKey;
import io.lnkv.StoreLockedException;
import io.lnkv.vss.server.Authorizer;
import io.lnkv.vss.server.VssServer;
import io.lnkv.vss.server.VssStorage;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.PutObjectRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VssStore against lnkv serve over HTTP: ldk-node's schema rules, write modes, fencing, privacy.
 */
class VssStoreTest {
  @TempDir static Path dir;
  static VssServer server;
  static Path db;

  @BeforeAll
  static void start() {
    db = dir.resolve("vss.sqlite");
    server = VssServer.builder(VssStorage.sqlite(db)).port(0).authorizer(Authorizer.none()).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String freshStore() {
    return "store-" + UUID.randomUUID();
  }

  static VssStore.Builder builder(String storeId) {
    return TestServers.client(server, storeId);
  }

  static VssClient raw() {
    return new VssClient(
        new VssClient.Settings(
            server.baseUrl(),
            VssHeaderProvider.none(),
            ProtocolVersionCheck.STRICT,
            Duration.ofSeconds(5),
            3,
            Duration.ofSeconds(5),
            Duration.ofMillis(1),
            Duration.ofMillis(1)));
  }

  @Test
  void newStore_isSchemaV1_withLdkNodesMarker() {
    String id = freshStore();
    try (VssStore store = builder(id).build()) {
      assertThat(store.schema()).isEqualTo(VssKeySchema.V1);
    }
    VssKeyLayout v1 =
        new VssKeyLayout(
            new KeyObfuscator(TestServers.keys().obfuscationMasterKey()), VssKeySchema.V1);
    KeyValue marker = raw().getObject(id, v1.schemaVersionKey()).orElseThrow();
    byte[] tlv =
        new StorableCodec(TestServers.keys().dataEncryptionKey())
            .decrypt(marker.getValue().toByteArray(), v1.aad(v1.schemaVersionKey()))
            .value();
    assertThat(tlv).as("LDK TLV enum: variant 1, empty TLV stream").containsExactly(1, 0);
    try (VssStore again = builder(id).build()) {
      assertThat(again.schema()).isEqualTo(VssKeySchema.V1);
      assertThat(again.listAllKeys()).as("the marker is hidden").isEmpty();
    }
  }

  @Test
  void legacyStore_withBdkWalletData_isReadAsV0() {
    String id = freshStore();
    VssKeyLayout v0 =
        new VssKeyLayout(
            new KeyObfuscator(TestServers.keys().obfuscationMasterKey()), VssKeySchema.V0);
    StorableCodec codec = new StorableCodec(TestServers.keys().dataEncryptionKey());
    PutObjectRequest.Builder legacy = PutObjectRequest.newBuilder().setStoreId(id);
    for (ScopedKey k :
        List.of(
            ScopedKey.of("bdk_wallet", "", "descriptor"),
            ScopedKey.of("", "", "manager"),
            ScopedKey.of("monitors", "", "m1"))) {
      String vssKey = v0.vssKey(k);
      byte[] value =
          codec.encrypt(("v0 " + k.key()).getBytes(StandardCharsets.UTF_8), -1, new byte[0]);
      legacy.addTransactionItems(
          KeyValue.newBuilder().setKey(vssKey).setVersion(-1).setValue(ByteString.copyFrom(value)));
    }
    raw().putObjects(legacy.build(), VssClient.UNGUARDED);
    try (VssStore store = builder(id).build()) {
      assertThat(store.schema()).isEqualTo(VssKeySchema.V0);
      assertThat(store.read("", "", "manager"))
          .isEqualTo("v0 manager".getBytes(StandardCharsets.UTF_8));
      assertThat(store.list("monitors", "")).containsExactly("m1");
      assertThat(store.list("", "")).containsExactly("manager");
      store.write("monitors", "", "m2", new byte[] {2});
      assertThat(store.listAllKeys())
          .containsExactlyInAnyOrder(
              ScopedKey.of("bdk_wallet", "", "descriptor"),
              ScopedKey.of("", "", "manager"),
              ScopedKey.of("monitors", "", "m1"),
              ScopedKey.of("monitors", "", "m2"));
    }
  }

  @Test
  void anotherSeed_seesNoneOfTheValues_andCannotParseTheKeys() {
    String id = freshStore();
    try (VssStore store = builder(id).build()) {
      store.write("p", "", "k", new byte[] {1});
    }
    byte[] otherSeed = new byte[64];
    try (VssStore other = builder(id).nodeSeed(otherSeed).writerLease(Duration.ZERO).build()) {
      assertThatThrownBy(() -> other.read("p", "", "k"))
          .isInstanceOf(io.lnkv.KeyNotFoundException.class);
      assertThat(other.list("p", "")).isEmpty();
      assertThatThrownBy(other::listAllKeys)
          .isInstanceOf(io.lnkv.CorruptedDataException.class)
          .hasMessageContaining("Check the seed");
    }
  }

  @Test
  void reservedKeys_areRefused() {
    try (VssStore store = builder(freshStore()).build()) {
      assertThatThrownBy(() -> store.write("", "", VssKeyLayout.SCHEMA_VERSION_KEY, new byte[1]))
          .isInstanceOf(InvalidKeyException.class);
      assertThatThrownBy(() -> store.write("", "", VssWriterLease.KEY, new byte[1]))
          .isInstanceOf(InvalidKeyException.class);
      store.write("p", "", VssWriterLease.KEY, new byte[1]); // only the root key is reserved
    }
  }

  @Test
  void compareAndSet_refusesToOverwriteAnotherClientsChange() {
    String id = freshStore();
    try (VssStore a =
            builder(id)
                .writeMode(VssStore.WriteMode.COMPARE_AND_SET)
                .writerLease(Duration.ZERO)
                .globalVersionFencing(false)
                .build();
        VssStore b =
            builder(id)
                .writeMode(VssStore.WriteMode.COMPARE_AND_SET)
                .writerLease(Duration.ZERO)
                .globalVersionFencing(false)
                .build()) {
      a.write("p", "", "k", bytes("a1"));
      assertThat(b.read("p", "", "k")).isEqualTo(bytes("a1"));
      a.write("p", "", "k", bytes("a2"));
      assertThatThrownBy(() -> b.write("p", "", "k", bytes("b over a1")))
          .isInstanceOf(ConflictException.class)
          .hasMessageContaining("another client");
      assertThat(a.read("p", "", "k")).isEqualTo(bytes("a2"));
      assertThat(b.read("p", "", "k")).isEqualTo(bytes("a2")); // re-read learns the version
      b.write("p", "", "k", bytes("b3"));
      assertThatThrownBy(() -> a.remove("p", "", "k", false)).isInstanceOf(ConflictException.class);
      assertThat(a.read("p", "", "k")).isEqualTo(bytes("b3"));
    }
  }

  @Test
  void unconditional_lastWriterWins_asLdkNode() {
    String id = freshStore();
    try (VssStore a = builder(id).writerLease(Duration.ZERO).globalVersionFencing(false).build();
        VssStore b = builder(id).writerLease(Duration.ZERO).globalVersionFencing(false).build()) {
      a.write("p", "", "k", bytes("a"));
      b.write("p", "", "k", bytes("b"));
      a.write("p", "", "k", bytes("a again"));
      assertThat(b.read("p", "", "k")).isEqualTo(bytes("a again"));
    }
  }

  @Test
  void globalVersionFencing_stopsTheClientThatWasTakenOver() {
    String id = freshStore();
    try (VssStore first =
        builder(id).globalVersionFencing(true).writerLease(Duration.ZERO).build()) {
      first.write("p", "", "k", bytes("first"));
      try (VssStore second =
          builder(id).globalVersionFencing(true).writerLease(Duration.ZERO).build()) {
        assertThatThrownBy(() -> first.write("p", "", "k", bytes("stale writer")))
            .isInstanceOf(StoreLockedException.class)
            .hasMessageContaining("taken over");
        assertThatThrownBy(() -> first.remove("p", "", "k", false))
            .isInstanceOf(StoreLockedException.class);
        second.write("p", "", "k", bytes("second"));
        assertThat(first.read("p", "", "k")).isEqualTo(bytes("second"));
      }
    }
  }

  @Test
  void aRefusedSecondWriter_doesNotFenceTheFirst() {
    String id = freshStore();
    try (VssStore first = builder(id).globalVersionFencing(true).build()) {
      assertThatThrownBy(() -> builder(id).globalVersionFencing(true).build())
          .isInstanceOf(StoreLockedException.class);
      first.write("p", "", "k", bytes("still the writer"));
    }
  }

  @Test
  void readOnly_besideTheLeaseHolder_readsItsData_andTakesNoLease() {
    String id = freshStore();
    try (VssStore writer = builder(id).build()) {
      writer.write("monitors", "", "m", bytes("monitor"));
      try (VssStore reader = builder(id).readOnly().build()) {
        assertThat(reader.read("monitors", "", "m")).isEqualTo(bytes("monitor"));
        assertThat(reader.list("", "")).as("the lease key stays hidden").isEmpty();
        assertThatThrownBy(() -> reader.write("monitors", "", "x", bytes("x")))
            .isInstanceOf(io.lnkv.StoreException.class)
            .hasMessageContaining("read-only");
      }
      writer.write("monitors", "", "m2", bytes("still the writer"));
    }
  }

  @Test
  void readOnly_ofANewStore_writesNoSchemaMarker() {
    String id = freshStore();
    try (VssStore reader = builder(id).readOnly().build()) {
      assertThat(reader.schema()).isEqualTo(VssKeySchema.V1);
      assertThat(reader.listAllKeys()).isEmpty();
    }
    assertThat(
            raw()
                .listKeyVersions(
                    io.lnkv.vss.wire.ListKeyVersionsRequest.newBuilder().setStoreId(id).build())
                .getKeyVersionsCount())
        .isZero();
  }

  @Test
  void writerLease_refusesASecondWriter_untilTheFirstCloses() {
    String id = freshStore();
    VssStore first = builder(id).build();
    assertThatThrownBy(() -> builder(id).build())
        .isInstanceOf(StoreLockedException.class)
        .hasMessageContaining("pid " + ProcessHandle.current().pid())
        .hasMessageContaining("lease expires");
    first.close();
    builder(id).build().close();
  }

  @Test
  void writerLease_expires_whenItsHolderStopsRenewing() throws Exception {
    String id = freshStore();
    VssStore holder =
        builder(id)
            .writerLease(Duration.ofMillis(600))
            .requestTimeout(Duration.ofMillis(300))
            .build();
    // a holder that vanished without closing: stop its renewals but leave the record
    java.lang.reflect.Field f = VssStore.class.getDeclaredField("lease");
    f.setAccessible(true);
    VssWriterLease lease = (VssWriterLease) f.get(holder);
    java.lang.reflect.Field r = VssWriterLease.class.getDeclaredField("renewer");
    r.setAccessible(true);
    ((java.util.concurrent.ExecutorService) r.get(lease)).shutdownNow();
    assertThatThrownBy(() -> builder(id).build()).isInstanceOf(StoreLockedException.class);
    Thread.sleep(800);
    assertThatThrownBy(() -> holder.write("p", "", "k", bytes("late")))
        .isInstanceOf(StoreLockedException.class)
        .hasMessageContaining("expired");
    try (VssStore next = builder(id).build()) {
      next.write("p", "", "k", bytes("next"));
    }
  }

  @Test
  void signatureAuth_fromTheNodeSeed_isAcceptedBySignatureServer() {
    try (VssServer signed =
        VssServer.builder(VssStorage.sqlite(dir.resolve("signed.sqlite")))
            .port(0)
            .authorizer(Authorizer.signatures(Clock.systemUTC()))
            .start()) {
      byte[] seed = new byte[64];
      seed[0] = 9;
      try (VssStore store = TestServers.client(signed, "s").signatureAuth(seed).build()) {
        store.write("p", "", "k", bytes("v"));
        assertThat(store.read("p", "", "k")).isEqualTo(bytes("v"));
      }
      assertThatThrownBy(() -> TestServers.client(signed, "s").build())
          .isInstanceOf(VssException.class)
          .hasMessageContaining("authentication");
    }
  }

  @Test
  void theServerDatabase_holdsNoPlaintextKeyOrValue() throws Exception {
    String id = freshStore();
    List<String> secrets = new ArrayList<>();
    try (VssStore store = builder(id).build()) {
      for (int i = 0; i < 20; i++) {
        String ns = "channel_monitors_" + i;
        String key = "deadbeefcafe" + i;
        String value = "preimage-secret-value-" + i;
        store.write(ns, "sub_" + i, key, bytes(value));
        store.write("", "", "root_key_" + i, bytes(value));
        secrets.addAll(List.of(ns, "sub_" + i, key, value, "root_key_" + i));
      }
    }
    List<byte[]> cells = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT user_token, store_id, key, value FROM vss_db WHERE store_id = '"
                    + id
                    + "'")) {
      while (rs.next()) {
        for (int col = 1; col <= 4; col++) {
          byte[] b = rs.getBytes(col);
          if (b != null) {
            cells.add(b);
          }
        }
      }
    }
    assertThat(cells).as("rows were written").hasSizeGreaterThan(40 * 4 - 1);
    for (byte[] cell : cells) {
      String text = new String(cell, StandardCharsets.ISO_8859_1);
      for (String secret : secrets) {
        assertThat(text).as("no plaintext in the server's database").doesNotContain(secret);
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
