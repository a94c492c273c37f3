package io.lnkv.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** What {@code lnkv serve}'s admin listener shows on {@code /metrics}, for tests. */
final class AdminMetrics {
  private AdminMetrics() {}

  /**
   * The value of one series, named as the exposition writes it (e.g. {@code
   * vss_requests_seconds_count{endpoint="putObjects",status="200"}}); 0 if it is not there yet.
   *
   * @param admin the admin listener's URL
   */
  static double value(URI admin, String series) throws Exception {
    String body =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(admin.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return body.lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).strip()))
        .findFirst()
        .orElse(0);
  }
}
