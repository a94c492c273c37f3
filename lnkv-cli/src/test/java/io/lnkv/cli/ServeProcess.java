package io.lnkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code lnkv serve} in a JVM of its own, for tests that need a real process. */
final class ServeProcess implements AutoCloseable {
  final Process process;
  final int port;
  final URI base;
  final URI admin; // the admin listener: /health, /ready, /metrics

  private ServeProcess(Process process, int port, int adminPort) {
    this.process = process;
    this.port = port;
    this.base = URI.create("http://127.0.0.1:" + port);
    this.admin = URI.create("http://127.0.0.1:" + adminPort);
  }

  /** A port free right now. */
  static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  /**
   * Starts {@code java [jvmOptions] io.lnkv.cli.Lnkv serve --listen 127.0.0.1:PORT [serveArgs]}
   * --admin-listen 127.0.0.1:PORT2 [serveArgs]} with this test's class path, its output in {@code
   * log}, and waits until the admin listener's {@code /ready}.
   */
  static ServeProcess start(List<String> jvmOptions, List<String> serveArgs, Path log)
      throws Exception {
    return start(jvmOptions, serveArgs, ProcessBuilder.Redirect.to(log.toFile()));
  }

  /**
   * As {@link #start(List, List, Path)}, with the output (standard output and error together) sent
   * to {@code output}: {@link ProcessBuilder.Redirect#PIPE} gives it to {@link
   * Process#getInputStream}, where a test that does not read it lets the pipe fill, as a stalled
   * log collector does.
   */
  static ServeProcess start(
      List<String> jvmOptions, List<String> serveArgs, ProcessBuilder.Redirect output)
      throws Exception {
    int port = freePort();
    int adminPort = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "io.lnkv.cli.Lnkv",
            "serve",
            "--listen",
            "127.0.0.1:" + port,
            "--admin-listen",
            "127.0.0.1:" + adminPort));
    command.addAll(serveArgs);
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
    ServeProcess serve = new ServeProcess(p, port, adminPort);
    serve.awaitStatus(HttpClient.newHttpClient(), "/ready", 200);
    return serve;
  }

  /**
   * Waits up to 30 s for the admin listener's {@code path} to answer {@code status}, failing if the
   * process dies.
   */
  void awaitStatus(HttpClient http, String path, int status) throws Exception {
    for (int i = 0; ; i++) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(admin.resolve(path)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == status) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      assertThat(process.isAlive()).as("lnkv serve running").isTrue();
      assertThat(i).as("%s answers %s within 30 s", path, status).isLessThan(600);
      Thread.sleep(50);
    }
  }

  /** SIGTERM (requests in progress finish), then a kill after 20 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
