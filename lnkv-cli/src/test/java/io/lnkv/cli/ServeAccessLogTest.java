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

  /**
   * The access log's output stalls (a log collector that stopped reading, a full pipe): requests
   * are still answered, the lines that do not fit are dropped and counted, and once the output
   * drains a line says how many. Before, the thread that logged a request's line waited for the
   * pipe, and with quick SQLite reads answered on the network thread, every connection it served
   * waited with it.
   */
  @Test
  void aStalledLogOutput_holdsNoRequest_andTheDroppedLinesAreCounted() throws Exception {
    try (ServeProcess serve =
        ServeProcess.start(
            List.of(),
            List.of("--storage", "sqlite:" + tmp.resolve("vss.sqlite")),
            ProcessBuilder.Redirect.PIPE)) {
      // nobody reads the pipe: its 64 KiB fill after about 500 access lines, then the log's queue
      // (8,192 lines) fills too; 8 clients send 12,000 requests in all
      HttpClient http = HttpClient.newHttpClient();
      byte[] body =
          GetObjectRequest.newBuilder().setStoreId("node").setKey("k").build().toByteArray();
      int clients = 8;
      int each = 1_500;
      int requests = clients * each;
      var pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
      try {
        List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
        for (int c = 0; c < clients; c++) {
          sent.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      HttpResponse<Void> r =
                          http.send(
                              HttpRequest.newBuilder(serve.base.resolve("/vss/getObject"))
                                  .timeout(java.time.Duration.ofSeconds(10))
                                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                  .build(),
                              HttpResponse.BodyHandlers.discarding());
                      assertThat(r.statusCode()).as("request %s", i).isEqualTo(404);
                    }
                    return null;
                  }));
        }
        for (var f : sent) {
          f.get(); // a request the server held fails its client with a timeout
        }
      } finally {
        pool.shutdownNow();
      }
      double dropped = AdminMetrics.value(serve.admin, "vss_access_log_dropped_total");
      assertThat(dropped)
          .as("lines dropped while the pipe was full")
          .isGreaterThan(0)
          .isLessThan(requests);
      // the output drains: the log catches up and says what it dropped
      java.io.BufferedReader out =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  serve.process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      String line;
      String notice = null;
      while (notice == null && (line = out.readLine()) != null) {
        if (line.contains("access lines dropped")) {
          notice = line;
        }
      }
      assertThat(notice).as("the notice of dropped lines").isNotNull().contains("WARN");
      // keep draining, so that the server's shutdown is not held by its own output
      Thread drain =
          new Thread(
              () -> {
                try {
                  while (out.readLine() != null) {
                    // discard
                  }
                } catch (java.io.IOException e) {
                  // the process ended
                }
              });
      drain.setDaemon(true);
      drain.start();
    }
  }
}
