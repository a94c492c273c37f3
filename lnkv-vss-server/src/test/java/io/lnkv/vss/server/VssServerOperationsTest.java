package io.lnkv.vss.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lnkv.vss.VssException;
import io.lnkv.vss.VssStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-user limits and /metrics, over real HTTP with the VSS client. */
class VssServerOperationsTest {
  @TempDir Path dir;

  private VssServer.Builder server(String name) {
    return ServerFixtures.server(dir, name);
  }

  private static VssStore.Builder client(VssServer server, String store) {
    return ServerFixtures.client(server, store);
  }

  private static HttpResponse<String> get(VssServer server, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(server.adminUrl().resolve(path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPutOverTheUsersQuota_failsClearly_andAppliesNothing() throws Exception {
    // the store's own records (schema marker, lease) count too: leave room for them
    try (VssServer server = server("quota").userQuota(20_000, 1_000).start();
        VssStore store = client(server, "q").build()) {
      store.write("p", "", "small", new byte[1_000]);
      assertThatThrownBy(() -> store.write("p", "", "big", new byte[30_000]))
          .isInstanceOf(VssException.class)
          .hasMessageContaining("Quota exceeded")
          .satisfies(
              e ->
                  assertThat(((VssException) e).serverErrorCode())
                      .hasValue("INVALID_REQUEST_EXCEPTION"));
      assertThat(store.list("p", "")).containsExactly("small"); // nothing of it applied
      store.remove("p", "", "small", false); // removing is always allowed
      store.write("p", "", "again", new byte[10_000]);
      assertThat(get(server, "/metrics").body())
          .contains("vss_refusals_total{reason=\"quota\"} 1.0");
    }
  }

  @Test
  void aUserOverTheRequestRate_gets429WithRetryAfter() throws Exception {
    try (VssServer server = server("rate").userRequestRate(1, 3).start()) {
      HttpClient http = HttpClient.newHttpClient();
      int[] statuses = new int[6];
      String retryAfter = null;
      for (int i = 0; i < statuses.length; i++) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/getObject"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        statuses[i] = r.statusCode();
        if (r.statusCode() == 429) {
          retryAfter = r.headers().firstValue("Retry-After").orElse(null);
        }
      }
      assertThat(statuses).startsWith(400, 400, 400).contains(429); // a burst of 3, then 429
      assertThat(retryAfter).isEqualTo("1");
    }
  }

  @Test
  void metrics_countRequestsByEndpointAndStatus_withoutUsersOrKeys() throws Exception {
    try (VssServer server = server("metrics").start();
        VssStore store = client(server, "m").build()) {
      store.write("secret-namespace", "", "secret-key", new byte[100]);
      store.read("secret-namespace", "", "secret-key");
      HttpResponse<String> metrics = get(server, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body())
          .contains("vss_requests_seconds_count{endpoint=\"putObjects\",status=\"200\"}")
          .contains("vss_requests_seconds_bucket{endpoint=\"getObject\",status=\"200\"")
          .contains("vss_put_items_count")
          .contains("vss_body_bytes_in_flight_bytes")
          .contains("vss_request_body_bytes_sum{endpoint=\"putObjects\"}")
          .contains("vss_access_log_dropped_total 0.0")
          .doesNotContain("secret")
          .doesNotContain("unauth-user");
    }
  }
}
