package io.lnkv.vss;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lnkv.testkit.KVStoreConformance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite against any VSS server, for a host checking a deployment: set {@code
 * LNKV_VSS_URL} (e.g. {@code https://vss.example.com/vss}), and {@code LNKV_VSS_LENIENT=true} for a
 * server that sends no {@code vss-protocol-version} header; {@code LNKV_VSS_TOKEN} is sent as a
 * bearer token when set. Each test writes to a store id of its own ({@code lnkv-conformance-...}),
 * with keys from a fixed test seed. Skipped without {@code LNKV_VSS_URL}. Run it through the
 * script, which fails when the suite did not run or skipped anything (a Maven run selecting no
 * test, in the wrong module say, reports success):
 *
 * <pre>
 * scripts/check-vss-server http://127.0.0.1:8080/vss
 * </pre>
 */
class VssStoreRemoteConformanceTest extends KVStoreConformance<VssStore> {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void needsAServer() {
    assumeTrue(url() != null, "LNKV_VSS_URL is not set: no VSS server to check");
  }

  private static String url() {
    String url = System.getenv("LNKV_VSS_URL");
    return url == null || url.isBlank() ? null : url;
  }

  @Override
  protected VssStore open(Path dir) {
    needsAServer(); // the model-based property runs under jqwik, which skips @BeforeAll
    VssStore.Builder b =
        VssStore.builder(url(), "lnkv-conformance-" + RUN + "-" + TestServers.storeIdFor(dir))
            .keys(TestServers.keys())
            .retries(10, Duration.ofSeconds(20));
    if ("true".equalsIgnoreCase(System.getenv("LNKV_VSS_LENIENT"))) {
      b.protocolVersionCheck(ProtocolVersionCheck.LENIENT);
    }
    String token = System.getenv("LNKV_VSS_TOKEN");
    if (token != null && !token.isBlank()) {
      b.headers(VssHeaderProvider.bearer(() -> token));
    }
    return b.build();
  }

  /** A VSS put holds one item per key, so remove-then-write is sent as the write, in place. */
  @Override
  protected boolean batchesRecreateRemovedKeys() {
    return false;
  }

  /** Servers older than May 2026 page in key order; page sizes are the server's. */
  @Override
  protected boolean exactPageSizes() {
    return false;
  }
}
