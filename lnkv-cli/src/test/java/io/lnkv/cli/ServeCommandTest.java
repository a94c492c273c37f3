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
            () -> lnkv("serve", "--listen", "127.0.0.1:" + port, "--storage", "sqlite:" + db));
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
}
