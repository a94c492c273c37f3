package io.lnkv.cli;

import static io.lnkv.cli.CliTest.lnkv;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lnkv serve} on 127.0.0.1, used by the other commands through a {@code vss:} URI. */
class ServeCommandTest {
  @TempDir Path tmp;

  @Test
  void serve_thenPutGetLsMigrateVerifyThroughVssUris() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Path db = tmp.resolve("vss.sqlite");
    CompletableFuture<CliTest.Run> serving =
        CompletableFuture.supplyAsync(
            () ->
                lnkv(
                    "serve",
                    "--listen",
                    "127.0.0.1:" + port,
                    "--storage",
                    "sqlite:" + db,
                    "--public-health"));
    HttpClient http = HttpClient.newHttpClient();
    URI health = URI.create("http://127.0.0.1:" + port + "/health");
    for (int i = 0; ; i++) {
      try {
        if (http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()
            == 200) {
          break;
        }
      } catch (java.io.IOException e) {
        assertThat(i).as("server up within 10 s").isLessThan(200);
        assertThat(serving).isNotDone();
        Thread.sleep(50);
      }
    }
    try {
      Path seed = tmp.resolve("keys_seed");
      byte[] bytes = new byte[64];
      bytes[5] = 5;
      Files.write(seed, bytes);
      String vss = "vss:http://127.0.0.1:" + port + "/vss?store=node1&seed=" + seed;
      assertThat(lnkv("put", vss, "manager", "--value", "m").code()).isZero();
      assertThat(lnkv("put", vss, "monitors/abc_1", "--value", "mon").code()).isZero();
      Path got = tmp.resolve("got");
      assertThat(lnkv("get", vss, "monitors/abc_1", "-o", got.toString()).code()).isZero();
      assertThat(Files.readString(got)).isEqualTo("mon");
      assertThat(lnkv("ls", vss, "monitors").out().strip()).isEqualTo("abc_1");
      JsonNode stat = lnkv("--json", "stat", vss).json();
      assertThat(stat.get("keys").asLong()).isEqualTo(2);
      assertThat(stat.get("schema").asText()).contains("V1");

      String copy = "fs2:" + tmp.resolve("copy");
      assertThat(lnkv("migrate", vss, copy).code()).isZero();
      assertThat(lnkv("verify", vss, copy).code()).isZero();
      // a running node holds the writer lease: an operator still reads, and cannot write
      try (io.lnkv.vss.VssStore node =
          io.lnkv.vss.VssStore.builder("http://127.0.0.1:" + port + "/vss", "node1")
              .nodeSeed(bytes)
              .build()) {
        node.write("", "", "live", "x".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        CliTest.Run ls = lnkv("ls", vss);
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("live");
        assertThat(lnkv("keys", vss).code()).isZero();
        CliTest.Run put = lnkv("put", vss, "x", "--value", "y");
        assertThat(put.code()).as(put.err()).isEqualTo(ExitCode.REFUSED);
        assertThat(put.err()).contains("lease");
      }
      // the server's own storage is not a node's store: not adopted, not changed
      byte[] storage = Files.readAllBytes(db);
      CliTest.Run adopt = lnkv("put", "sqlite:" + db, "k", "--value", "v");
      assertThat(adopt.code()).as(adopt.err()).isEqualTo(ExitCode.REFUSED);
      assertThat(adopt.err()).contains("already open for writing"); // the server's lock
      CliTest.Run look = lnkv("ls", "sqlite:" + db);
      assertThat(look.err()).contains("not an ldk-node or lnkv database");
      assertThat(look.code()).isEqualTo(ExitCode.REFUSED);
      assertThat(Files.readAllBytes(db)).isEqualTo(storage);

      // one server per storage file; a serve refused for its address creates nothing
      int other;
      try (ServerSocket probe = new ServerSocket(0)) {
        other = probe.getLocalPort();
      }
      CliTest.Run second =
          lnkv("serve", "--listen", "127.0.0.1:" + other, "--storage", "sqlite:" + db);
      assertThat(second.code()).as(second.err()).isEqualTo(ExitCode.REFUSED);
      assertThat(second.err()).contains("already open for writing");
      Path fresh = tmp.resolve("fresh").resolve("vss.sqlite");
      CliTest.Run taken =
          lnkv("serve", "--listen", "127.0.0.1:" + port, "--storage", "sqlite:" + fresh);
      assertThat(taken.code()).as(taken.err()).isEqualTo(ExitCode.FAILED);
      assertThat(taken.err()).contains("Cannot listen on 127.0.0.1:" + port);
      assertThat(tmp.resolve("fresh")).doesNotExist();
      // nor does a server adopt a node's database as its storage
      Path node = tmp.resolve("node.sqlite");
      assertThat(lnkv("put", "sqlite:" + node, "manager", "--value", "m").code()).isZero();
      byte[] nodeBytes = Files.readAllBytes(node);
      CliTest.Run adoptNode =
          lnkv("serve", "--listen", "127.0.0.1:" + other, "--storage", "sqlite:" + node);
      assertThat(adoptNode.code()).as(adoptNode.err()).isEqualTo(ExitCode.REFUSED);
      assertThat(adoptNode.err()).contains("other tables [ldk_data]");
      assertThat(Files.readAllBytes(node)).isEqualTo(nodeBytes);

      CliTest.Run wrong = lnkv("ls", "vss:http://127.0.0.1:" + port + "/vss?store=node1");
      assertThat(wrong.code()).isEqualTo(ExitCode.USAGE);
      assertThat(wrong.err()).contains("seed=FILE");
    } finally {
      ServeCommand.stopAll();
    }
    CliTest.Run served = serving.get();
    assertThat(served.code()).isZero();
    assertThat(served.out()).contains("VSS on http://127.0.0.1:" + port + "/vss");
  }

  /** A key file is small: /dev/zero is refused after 64 KiB (before: read until out of memory). */
  @Test
  void aJwtKeyFileLargerThanAKey_isRefused_beforeAnythingIsCreated() {
    Path storage = tmp.resolve("jwt.sqlite");
    CliTest.Run r =
        lnkv(
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--storage",
            "sqlite:" + storage,
            "--auth",
            "jwt",
            "--jwt-public-key",
            "/dev/zero");
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("JWT public key file /dev/zero holds more than 65536 bytes");
    assertThat(storage).doesNotExist();
  }

  /**
   * A configuration serve refuses is refused before a socket is bound or a file made. The port is
   * taken on the wildcard address here: a serve that bound (or probed) before refusing would report
   * the port in use instead. Before, the storage file and its lock were created first.
   */
  @Test
  void unauthenticatedOnAPublicAddress_isRefused_beforeAnyBindOrFile() throws Exception {
    Path storage = tmp.resolve("open.sqlite");
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new java.net.InetSocketAddress("0.0.0.0", 0));
      CliTest.Run r =
          lnkv(
              "serve",
              "--listen",
              "0.0.0.0:" + taken.getLocalPort(),
              "--storage",
              "sqlite:" + storage);
      assertThat(r.code()).as(r.err()).isNotZero();
      assertThat(r.err()).contains("Refusing to serve without authentication");
      assertThat(r.err()).doesNotContain("Cannot listen");
    }
    assertThat(storage).doesNotExist();
    assertThat(tmp.resolve("open.sqlite.lock")).doesNotExist();
  }

  /**
   * vss-server's 1 GiB request limit does not fit a small heap's budget: refused at start, saying
   * what to do, with nothing created. Before, such a server started, and a 700 MB body threw
   * OutOfMemoryError inside the body reader: no answer, no log line, its reservation never freed.
   */
  @Test
  void aRequestLimitTheHeapCannotHold_isRefusedAtStart() {
    Path storage = tmp.resolve("big.sqlite");
    long heap = Runtime.getRuntime().maxMemory();
    CliTest.Run r =
        lnkv(
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--storage",
            "sqlite:" + storage,
            "--max-request-bytes",
            Long.toString(heap));
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("cannot be held").contains("-Xmx");
    assertThat(storage).doesNotExist();
  }

  @Test
  void jwtKeys_areOneOfAKeyAJwksUrlOrAJwksFile() {
    Path storage = tmp.resolve("jwks.sqlite");
    for (String[] keys :
        new String[][] {
          {},
          {"--jwt-jwks-url", "ftp://idp.example/jwks.json"},
          {"--jwt-jwks-url", "https://user:secret@idp.example/jwks.json"},
          {"--jwt-jwks-file", tmp.resolve("missing.json").toString()},
          {"--jwt-jwks-url", "https://idp.example/jwks.json", "--jwt-public-key", "/dev/null"}
        }) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "serve",
                  "--listen",
                  "127.0.0.1:0",
                  "--storage",
                  "sqlite:" + storage,
                  "--auth",
                  "jwt"));
      args.addAll(List.of(keys));
      CliTest.Run r = lnkv(args.toArray(String[]::new));
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
      assertThat(r.err()).doesNotContain("secret");
    }
    assertThat(storage).doesNotExist();
  }

  @Test
  void serve_readsItsOptionsFromAFile() throws Exception {
    Path conf = tmp.resolve("serve.conf");
    Files.writeString(
        conf,
        "# lnkv serve configuration\n--storage sqlite:"
            + tmp.resolve("conf.sqlite")
            + "\n"
            + "--listen not-a-port\n");
    CliTest.Run r = lnkv("serve", "@" + conf);
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("--listen must be HOST:PORT, got 'not-a-port'");
    assertThat(tmp.resolve("conf.sqlite"))
        .as("refused before the storage is created")
        .doesNotExist();
  }

  @Test
  void serveHelp_listsEveryOption_asTheErrorHintPromises() {
    for (String[] args : new String[][] {{"serve", "--help"}, {"serve", "-h"}, {"help", "serve"}}) {
      CliTest.Run r = lnkv(args);
      assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
      assertThat(r.out())
          .contains("--tls-cert")
          .contains("--user-max-bytes")
          .contains("--max-bytes-in-flight")
          .contains("--jwt-audience")
          .contains("@serve.conf");
    }
    assertThat(lnkv("ls", "--help").out()).contains("Usage: lnkv ls");
  }
}
