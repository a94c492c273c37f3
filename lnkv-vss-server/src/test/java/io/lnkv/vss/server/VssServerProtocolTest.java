package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.lnkv.vss.VssSignatures;
import io.lnkv.vss.wire.DeleteObjectRequest;
import io.lnkv.vss.wire.ErrorCode;
import io.lnkv.vss.wire.ErrorResponse;
import io.lnkv.vss.wire.GetObjectRequest;
import io.lnkv.vss.wire.GetObjectResponse;
import io.lnkv.vss.wire.KeyValue;
import io.lnkv.vss.wire.ListKeyVersionsRequest;
import io.lnkv.vss.wire.ListKeyVersionsResponse;
import io.lnkv.vss.wire.PutObjectRequest;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code lnkv serve} (on SQLite) with raw protobuf requests over real HTTP, rule by rule
 * from the reference: versions, conflicts and rollback, global_version, paging, limits, bad bodies,
 * authentication.
 */
class VssServerProtocolTest {
  @TempDir static Path dir;
  static VssServer server;
  static VssServer small;
  static final HttpClient http = HttpClient.newHttpClient();
  String store;

  @BeforeAll
  static void start() {
    server =
        VssServer.builder(VssStorage.sqlite(dir.resolve("vss.sqlite")))
            .port(0)
            .authorizer(Authorizer.none())
            .start();
    small =
        VssServer.builder(VssStorage.sqlite(dir.resolve("small.sqlite")))
            .port(0)
            .authorizer(Authorizer.none())
            .maxRequestBytes(4096)
            .maxItemsPerPut(10)
            .start();
  }

  @AfterAll
  static void stop() {
    server.close();
    small.close();
  }

  @BeforeEach
  void freshStore() {
    store = "s-" + UUID.randomUUID();
  }

  // ---- plumbing -----------------------------------------------------------------------------

  record Reply(int status, Map<String, List<String>> headers, byte[] body) {
    ErrorResponse error() throws Exception {
      return ErrorResponse.parseFrom(body);
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  static Reply post(VssServer s, String endpoint, byte[] body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(s.baseUrl() + "/" + endpoint))
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.headers().firstValue("vss-protocol-version"))
        .as("on every response")
        .hasValue("0");
    return new Reply(r.statusCode(), r.headers().map(), r.body());
  }

  Reply post(String endpoint, MessageLite request) throws Exception {
    return post(server, endpoint, request.toByteArray(), Map.of());
  }

  static KeyValue kv(String key, long version, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setVersion(version)
        .setValue(ByteString.copyFromUtf8(value))
        .build();
  }

  Reply put(KeyValue... items) throws Exception {
    return post(
        "putObjects",
        PutObjectRequest.newBuilder()
            .setStoreId(store)
            .addAllTransactionItems(List.of(items))
            .build());
  }

  Reply get(String key) throws Exception {
    return post("getObject", GetObjectRequest.newBuilder().setStoreId(store).setKey(key).build());
  }

  long version(String key) throws Exception {
    Reply r = get(key);
    assertThat(r.status()).isEqualTo(200);
    return GetObjectResponse.parseFrom(r.body()).getValue().getVersion();
  }

  ListKeyVersionsResponse list(ListKeyVersionsRequest.Builder request) throws Exception {
    Reply r = post("listKeyVersions", request.setStoreId(store).build());
    assertThat(r.status()).isEqualTo(200);
    return ListKeyVersionsResponse.parseFrom(r.body());
  }

  // ---- versions -----------------------------------------------------------------------------

  @Test
  void versions_zeroCreates_nUpdates_minusOneResetsToOne() throws Exception {
    assertThat(put(kv("k", 0, "a")).status()).isEqualTo(200);
    assertThat(version("k")).isEqualTo(1);
    assertThat(put(kv("k", 0, "again")).error().getErrorCode())
        .isEqualTo(ErrorCode.CONFLICT_EXCEPTION);
    assertThat(put(kv("k", 1, "b")).status()).isEqualTo(200);
    assertThat(version("k")).isEqualTo(2);
    Reply stale = put(kv("k", 1, "stale"));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.error().getErrorCode()).isEqualTo(ErrorCode.CONFLICT_EXCEPTION);
    assertThat(put(kv("absent", 3, "x")).status()).as("N > 0 on an absent key").isEqualTo(409);
    assertThat(put(kv("k", -1, "c")).status()).isEqualTo(200);
    assertThat(version("k")).isEqualTo(1);
    assertThat(GetObjectResponse.parseFrom(get("k").body()).getValue().getValue().toStringUtf8())
        .isEqualTo("c");
  }

  @Test
  void get_absentKey_is404NoSuchKey() throws Exception {
    Reply r = get("nothing");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.error().getErrorCode()).isEqualTo(ErrorCode.NO_SUCH_KEY_EXCEPTION);
  }

  @Test
  void put_anyConflict_rollsBackEveryItem() throws Exception {
    put(kv("existing", 0, "v"));
    Reply r =
        post(
            "putObjects",
            PutObjectRequest.newBuilder()
                .setStoreId(store)
                .addTransactionItems(kv("fresh", 0, "new"))
                .addTransactionItems(kv("existing", 7, "stale"))
                .addDeleteItems(kv("existing", -1, ""))
                .build());
    assertThat(r.status()).isEqualTo(409);
    assertThat(get("fresh").status()).as("the fresh insert was rolled back").isEqualTo(404);
    assertThat(version("existing")).isEqualTo(1);
  }

  @Test
  void deleteItems_areConditional_andConflictOnAnAbsentKey() throws Exception {
    put(kv("a", 0, "v"), kv("b", 0, "v"));
    Reply absent =
        post(
            "putObjects",
            PutObjectRequest.newBuilder()
                .setStoreId(store)
                .addDeleteItems(kv("zz", -1, ""))
                .build());
    assertThat(absent.status()).as("unconditional delete of an absent key").isEqualTo(409);
    Reply wrong =
        post(
            "putObjects",
            PutObjectRequest.newBuilder().setStoreId(store).addDeleteItems(kv("a", 5, "")).build());
    assertThat(wrong.status()).isEqualTo(409);
    Reply ok =
        post(
            "putObjects",
            PutObjectRequest.newBuilder()
                .setStoreId(store)
                .addDeleteItems(kv("a", 1, ""))
                .addDeleteItems(kv("b", -1, ""))
                .build());
    assertThat(ok.status()).isEqualTo(200);
    assertThat(get("a").status()).isEqualTo(404);
    assertThat(get("b").status()).isEqualTo(404);
  }

  @Test
  void deleteObject_isIdempotent_andAWrongVersionIsASilentNoOp() throws Exception {
    put(kv("k", 0, "v"));
    assertThat(
            post(
                    "deleteObject",
                    DeleteObjectRequest.newBuilder()
                        .setStoreId(store)
                        .setKeyValue(kv("absent", -1, ""))
                        .build())
                .status())
        .isEqualTo(200);
    assertThat(
            post(
                    "deleteObject",
                    DeleteObjectRequest.newBuilder()
                        .setStoreId(store)
                        .setKeyValue(kv("k", 9, ""))
                        .build())
                .status())
        .isEqualTo(200);
    assertThat(version("k")).as("still there").isEqualTo(1);
    assertThat(
            post(
                    "deleteObject",
                    DeleteObjectRequest.newBuilder()
                        .setStoreId(store)
                        .setKeyValue(kv("k", 1, ""))
                        .build())
                .status())
        .isEqualTo(200);
    assertThat(get("k").status()).isEqualTo(404);
    Reply missing =
        post("deleteObject", DeleteObjectRequest.newBuilder().setStoreId(store).build());
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.error().getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST_EXCEPTION);
  }

  @Test
  void storesAndUsers_arePartitioned() throws Exception {
    put(kv("k", 0, "mine"));
    String mine = store;
    store = "other";
    assertThat(get("k").status()).isEqualTo(404);
    store = mine;
    assertThat(get("k").status()).isEqualTo(200);
  }

  // ---- global_version -----------------------------------------------------------------------

  @Test
  void globalVersion_isAStoreWideCompareAndSet() throws Exception {
    assertThat(version(VssStorage.GLOBAL_VERSION_KEY)).as("never set: 0, not 404").isZero();
    assertThat(list(ListKeyVersionsRequest.newBuilder()).getGlobalVersion()).isZero();
    PutObjectRequest.Builder first =
        PutObjectRequest.newBuilder()
            .setStoreId(store)
            .setGlobalVersion(0)
            .addTransactionItems(kv("a", -1, "1"));
    assertThat(post("putObjects", first.build()).status()).isEqualTo(200);
    assertThat(list(ListKeyVersionsRequest.newBuilder()).getGlobalVersion()).isEqualTo(1);
    Reply stale =
        post(
            "putObjects",
            PutObjectRequest.newBuilder()
                .setStoreId(store)
                .setGlobalVersion(0)
                .addTransactionItems(kv("b", -1, "2"))
                .build());
    assertThat(stale.status()).isEqualTo(409);
    assertThat(get("b").status()).as("rolled back with the global check").isEqualTo(404);
    assertThat(
            post(
                    "putObjects",
                    PutObjectRequest.newBuilder().setStoreId(store).setGlobalVersion(1).build())
                .status())
        .isEqualTo(200);
    assertThat(put(kv("c", -1, "no global")).status()).isEqualTo(200);
    ListKeyVersionsResponse page = list(ListKeyVersionsRequest.newBuilder());
    assertThat(page.getGlobalVersion()).as("bumped by each put that carried it, only").isEqualTo(2);
    assertThat(page.getKeyVersionsList()).extracting(KeyValue::getKey).containsExactly("c", "a");
    Reply reserved = put(kv(VssStorage.GLOBAL_VERSION_KEY, -1, "x"));
    assertThat(reserved.status()).isEqualTo(400);
  }

  // ---- listing ------------------------------------------------------------------------------

  @Test
  void list_isNewestFirst_inPagesOfAtMost100_endingWithAnEmptyToken() throws Exception {
    List<String> created = new ArrayList<>();
    for (int batch = 0; batch < 25; batch++) {
      PutObjectRequest.Builder b = PutObjectRequest.newBuilder().setStoreId(store);
      for (int i = 0; i < 10; i++) {
        String k = "key" + (batch * 10 + i);
        b.addTransactionItems(kv(k, 0, "v"));
        created.add(k);
      }
      assertThat(post("putObjects", b.build()).status()).isEqualTo(200);
    }
    put(kv("key0", -1, "rewritten keeps its place"));
    List<String> seen = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    ListKeyVersionsRequest.Builder request = ListKeyVersionsRequest.newBuilder().setPageSize(1000);
    while (true) {
      ListKeyVersionsResponse page = list(request);
      sizes.add(page.getKeyVersionsCount());
      page.getKeyVersionsList()
          .forEach(
              kv -> {
                assertThat(kv.getValue()).as("values are not listed").isEmpty();
                seen.add(kv.getKey());
              });
      assertThat(page.hasGlobalVersion()).isEqualTo(!request.hasPageToken());
      assertThat(page.hasNextPageToken()).isTrue();
      if (page.getNextPageToken().isEmpty()) {
        break;
      }
      request.setPageToken(page.getNextPageToken());
    }
    List<String> newestFirst = new ArrayList<>(created);
    java.util.Collections.reverse(newestFirst);
    assertThat(seen).isEqualTo(newestFirst);
    assertThat(sizes).containsExactly(100, 100, 50);
  }

  @Test
  void list_pageSizeZero_isAnEmptyPage_andNoPageSizeMeans100() throws Exception {
    PutObjectRequest.Builder b = PutObjectRequest.newBuilder().setStoreId(store);
    for (int i = 0; i < 120; i++) {
      b.addTransactionItems(kv("k" + i, -1, "v"));
    }
    assertThat(post("putObjects", b.build()).status()).isEqualTo(200);
    ListKeyVersionsResponse zero = list(ListKeyVersionsRequest.newBuilder().setPageSize(0));
    assertThat(zero.getKeyVersionsCount()).isZero();
    assertThat(zero.hasGlobalVersion()).isTrue();
    assertThat(list(ListKeyVersionsRequest.newBuilder()).getKeyVersionsCount()).isEqualTo(100);
    assertThat(
            post(
                    "listKeyVersions",
                    ListKeyVersionsRequest.newBuilder().setStoreId(store).setPageSize(-1).build())
                .status())
        .isEqualTo(400);
  }

  @Test
  void list_prefixIsLiteral_andAMalformedTokenIs400() throws Exception {
    put(kv("a_b#1", 0, "v"), kv("axb#2", 0, "v"), kv("A_b#3", 0, "v"), kv("a%b#4", 0, "v"));
    assertThat(list(ListKeyVersionsRequest.newBuilder().setKeyPrefix("a_b")).getKeyVersionsList())
        .extracting(KeyValue::getKey)
        .as("'_' is no wildcard and case matters")
        .containsExactly("a_b#1");
    assertThat(list(ListKeyVersionsRequest.newBuilder().setKeyPrefix("a%")).getKeyVersionsList())
        .extracting(KeyValue::getKey)
        .containsExactly("a%b#4");
    // a negative token once got an empty last page: a listing silently cut short
    for (String token : List.of("not-a-number", "-1", "+5", "007", "99999999999999999999", " 1")) {
      Reply bad =
          post(
              "listKeyVersions",
              ListKeyVersionsRequest.newBuilder().setStoreId(store).setPageToken(token).build());
      assertThat(bad.status()).as(token).isEqualTo(400);
      assertThat(bad.error().getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST_EXCEPTION);
    }
  }

  // ---- limits and malformed requests --------------------------------------------------------

  @Test
  void put_overTheItemLimit_is400_andAppliesNothing() throws Exception {
    PutObjectRequest.Builder b = PutObjectRequest.newBuilder().setStoreId(store);
    for (int i = 0; i < 11; i++) {
      b.addTransactionItems(kv("k" + i, -1, "v"));
    }
    Reply r = post(small, "putObjects", b.build().toByteArray(), Map.of());
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST_EXCEPTION);
    Reply page =
        post(
            small,
            "listKeyVersions",
            ListKeyVersionsRequest.newBuilder().setStoreId(store).build().toByteArray(),
            Map.of());
    assertThat(ListKeyVersionsResponse.parseFrom(page.body()).getKeyVersionsCount()).isZero();
  }

  @Test
  void bodyOverTheSizeLimit_is413PlainText() throws Exception {
    byte[] big = new byte[5000];
    Reply r =
        post(
            small,
            "putObjects",
            PutObjectRequest.newBuilder()
                .setStoreId(store)
                .addTransactionItems(
                    KeyValue.newBuilder()
                        .setKey("k")
                        .setVersion(-1)
                        .setValue(ByteString.copyFrom(big)))
                .build()
                .toByteArray(),
            Map.of());
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.text()).contains("too large");
  }

  @Test
  void undecodableBody_is400PlainText() throws Exception {
    Reply r =
        post(server, "getObject", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, Map.of());
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.text()).isEqualTo("Error parsing request");
  }

  @Test
  void wrongMethod_is405_unknownPath_is400_adminEndpointsAreNotPublic() throws Exception {
    HttpResponse<String> getMethod =
        http.send(
            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/getObject")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(getMethod.statusCode()).isEqualTo(405);
    assertThat(post(server, "getObjects", new byte[0], Map.of()).status()).isEqualTo(400);
    // the admin listener's, unless asked: anyone reaches the public port
    for (String path : List.of("/health", "/ready", "/metrics")) {
      URI uri = URI.create(server.baseUrl().toString().replace("/vss", path));
      assertThat(
              http.send(
                      HttpRequest.newBuilder(uri).GET().build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .as(path)
          .isEqualTo(400);
    }
  }

  @Test
  void keysOutsideTheSchema_are400() throws Exception {
    assertThat(put(kv("", -1, "v")).status()).isEqualTo(400);
    assertThat(put(kv("k".repeat(601), -1, "v")).status()).isEqualTo(400);
    assertThat(put(kv("k".repeat(600), -1, "v")).status()).isEqualTo(200);
  }

  // ---- authentication -----------------------------------------------------------------------

  @Test
  void signatures_authenticateAndPartitionByPublicKey_andBadOnesAre401() throws Exception {
    try (VssServer signed =
        VssServer.builder(VssStorage.sqlite(dir.resolve("sig-" + store + ".sqlite")))
            .port(0)
            .authorizer(Authorizer.signatures(Clock.systemUTC()))
            .start()) {
      byte[] alice = new byte[32];
      byte[] bob = new byte[32];
      Arrays.fill(alice, (byte) 1);
      Arrays.fill(bob, (byte) 2);
      long now = Instant.now().getEpochSecond();
      byte[] putK =
          PutObjectRequest.newBuilder()
              .setStoreId("s")
              .addTransactionItems(kv("k", 0, "alice's"))
              .build()
              .toByteArray();
      byte[] getK = GetObjectRequest.newBuilder().setStoreId("s").setKey("k").build().toByteArray();
      assertThat(
              post(signed, "putObjects", putK, auth(VssSignatures.authorization(alice, now)))
                  .status())
          .isEqualTo(200);
      assertThat(
              post(signed, "getObject", getK, auth(VssSignatures.authorization(alice, now)))
                  .status())
          .isEqualTo(200);
      assertThat(
              post(signed, "getObject", getK, auth(VssSignatures.authorization(bob, now))).status())
          .as("bob has his own keys")
          .isEqualTo(404);

      String good = VssSignatures.authorization(alice, now);
      assertUnauthorized(signed, getK, Map.of());
      assertUnauthorized(signed, getK, auth(VssSignatures.authorization(alice, now - 25 * 3600)));
      // the time changed: its last digit, to one it is not (it was set to 9, so a time already
      // ending in 9 left the header as it was and the test failed one run in ten)
      char last = good.charAt(good.length() - 1);
      assertUnauthorized(
          signed, getK, auth(good.substring(0, good.length() - 1) + (last == '9' ? '8' : '9')));
      assertUnauthorized(signed, getK, auth(highS(good)));
      assertUnauthorized(signed, getK, auth("zz" + good.substring(2)));
    }
  }

  /** The same signature with s replaced by n − s: valid for ECDSA, refused by libsecp256k1. */
  private static String highS(String header) {
    BigInteger n =
        new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
    BigInteger s = new BigInteger(header.substring(66 + 64, 66 + 128), 16);
    String high = String.format("%064x", n.subtract(s));
    return header.substring(0, 66 + 64) + high + header.substring(66 + 128);
  }

  @Test
  void jwt_rs256WithSubAndExp_isTheUser_andEveryOtherTokenIs401() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair keys = g.generateKeyPair();
    KeyPair other = g.generateKeyPair();
    try (VssServer jwt =
        VssServer.builder(VssStorage.sqlite(dir.resolve("jwt-" + store + ".sqlite")))
            .port(0)
            .authorizer(Authorizer.jwt(pem(keys)).build())
            .start()) {
      long exp = Instant.now().getEpochSecond() + 600;
      byte[] putK =
          PutObjectRequest.newBuilder()
              .setStoreId("s")
              .addTransactionItems(kv("k", 0, "v"))
              .build()
              .toByteArray();
      byte[] getK = GetObjectRequest.newBuilder().setStoreId("s").setKey("k").build().toByteArray();
      String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
      String alice = "{\"sub\":\"alice\",\"exp\":" + exp + "}";
      String bob = "{\"sub\":\"bob\",\"exp\":" + exp + "}";
      assertThat(post(jwt, "putObjects", putK, bearer(jwtOf(keys, header, alice))).status())
          .isEqualTo(200);
      assertThat(post(jwt, "getObject", getK, bearer(jwtOf(keys, header, alice))).status())
          .isEqualTo(200);
      assertThat(post(jwt, "getObject", getK, bearer(jwtOf(keys, header, bob))).status())
          .as("bob has his own keys")
          .isEqualTo(404);

      assertUnauthorized(jwt, getK, Map.of());
      assertUnauthorized(jwt, getK, bearer(jwtOf(other, header, alice)));
      assertUnauthorized(
          jwt,
          getK,
          bearer(jwtOf(keys, header, "{\"sub\":\"alice\",\"exp\":" + (exp - 3600) + "}")));
      assertUnauthorized(jwt, getK, bearer(jwtOf(keys, header, "{\"sub\":\"alice\"}")));
      assertUnauthorized(
          jwt,
          getK,
          bearer(jwtOf(keys, header, "{\"sub\":\"alice\",\"aud\":\"x\",\"exp\":" + exp + "}")));
      assertUnauthorized(jwt, getK, bearer(jwtOf(keys, "{\"alg\":\"HS256\"}", alice)));
      assertUnauthorized(jwt, getK, bearer("not.a.jwt.at.all"));
    }
  }

  static String pem(KeyPair keys) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(keys.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static Map<String, String> auth(String value) {
    return Map.of("Authorization", value);
  }

  private static Map<String, String> bearer(String jwt) {
    return auth("Bearer " + jwt);
  }

  private static String jwtOf(KeyPair keys, String header, String claims) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signed =
        b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(keys.getPrivate());
    rsa.update(signed.getBytes(StandardCharsets.US_ASCII));
    return signed + "." + b64.encodeToString(rsa.sign());
  }

  private static void assertUnauthorized(VssServer s, byte[] body, Map<String, String> headers)
      throws Exception {
    Reply r = post(s, "getObject", body, headers);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.error().getErrorCode()).isEqualTo(ErrorCode.AUTH_EXCEPTION);
  }

  @Test
  void close_letsARequestInProgressFinish_thenRefusesConnections() throws Exception {
    Path file = dir.resolve("graceful-" + store + ".sqlite");
    VssServer closing =
        VssServer.builder(VssStorage.sqlite(file)).port(0).authorizer(Authorizer.none()).start();
    byte[] put =
        PutObjectRequest.newBuilder()
            .setStoreId(store)
            .addTransactionItems(kv("k", 0, "v"))
            .build()
            .toByteArray();
    java.util.concurrent.CompletableFuture<Reply> inProgress;
    try (java.sql.Connection blocker = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Statement st = blocker.createStatement()) {
      st.execute("BEGIN EXCLUSIVE"); // the server's put waits for this lock (busy_timeout)
      inProgress =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return post(closing, "putObjects", put, Map.of());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(300);
      java.util.concurrent.CompletableFuture<Void> close =
          java.util.concurrent.CompletableFuture.runAsync(closing::close);
      Thread.sleep(300);
      assertThat(close).as("close waits for the request in progress").isNotDone();
      st.execute("COMMIT");
      close.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(inProgress.get().status()).isEqualTo(200);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> post(closing, "getObject", new byte[0], Map.of()))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void noAuthentication_isRefusedOffLoopback() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                VssServer.builder(VssStorage.sqlite(dir.resolve("open.sqlite")))
                    .host("0.0.0.0")
                    .port(0)
                    .authorizer(Authorizer.none())
                    .start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("loopback");
  }
}
