package io.lnkv.testkit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;

/**
 * The PostgreSQL server tests use: the JDBC URL in {@code LNKV_PG_URL} (set by {@code ./run-tests},
 * or by you for your own server). Without it PostgreSQL tests are skipped, except under {@code
 * CI=true}, where they fail: CI must never pass by skipping them.
 */
public final class TestPostgres {
  private TestPostgres() {}

  /** The URL; skips the calling test when there is none (fails it under CI). */
  public static String url() {
    Optional<String> url = urlIfSet();
    assumeTrue(url.isPresent(), "LNKV_PG_URL is not set; PostgreSQL tests skipped (see README)");
    return url.get();
  }

  /** The URL, or empty when there is none (a failure under CI). */
  public static Optional<String> urlIfSet() {
    String url = System.getenv("LNKV_PG_URL");
    if (url == null || url.isBlank()) {
      if ("true".equals(System.getenv("CI"))) {
        fail("LNKV_PG_URL is not set; CI must run the PostgreSQL tests (use ./run-tests)");
      }
      return Optional.empty();
    }
    return Optional.of(url);
  }
}
