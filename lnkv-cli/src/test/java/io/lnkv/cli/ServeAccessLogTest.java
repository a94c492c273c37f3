package io.lnkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lnkv.vss.wire.GetObjectRequest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lnkv serve}'s access log as an operator gets it, from the real command in its own JVM: one
 * line per request at the default level (before, none without {@code --verbose}), and no client
 * field able to start a line of its own (before, a newline in a store id forged one).
 */
class ServeAccessLogTest {
  @TempDir Path tmp;

  @Test
  void oneLinePerRequest_byDefault_andNoForgedLines() throws Exception {
    Path log = tmp.resolve("serve.log");
    try (ServeProcess serve =
        ServeProcess.start(
            List.of(), List.of("--storage", "sqlite:" + tmp.resolve("vss.sqlite")), log)) {
      byte[] body =
          GetObjectRequest.newBuilder()
              .setStoreId("node\nINFO io.lnkv.vss.server.requests - 10.0.0.1 putObjects forged")
              .setKey("k")
              .build()
              .toByteArray();
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(serve.base.resolve("/vss/getObject"))
                      .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(404);
      for (int i = 0; i < 100 && !Files.readString(log).contains("getObject"); i++) {
        Thread.sleep(50);
      }
    }
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).anyMatch(l -> l.contains("getObject") && l.contains("status=404"));
    assertThat(lines)
        .as("a line the client wrote")
        .noneMatch(l -> l.startsWith("INFO io.lnkv.vss.server.requests"));
    assertThat(lines).anyMatch(l -> l.contains("store=node\\u000aINFO"));
  }
}
