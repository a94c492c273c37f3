package io.lnkv.cli;

import io.lnkv.vss.ProtocolVersionCheck;
import io.lnkv.vss.VssHeaderProvider;
import io.lnkv.vss.VssStore;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/** Opens a {@code vss:URL?store=ID&seed=FILE[&auth=...][&protocol=lenient]} store URI. */
final class VssUri {
  /** How long a failing request is retried unless {@code retry-for=} says otherwise. */
  static final String DEFAULT_RETRY_FOR = "20s";

  private VssUri() {}

  static VssStore open(String location, String text, boolean readOnly) {
    int q = location.indexOf('?');
    if (q < 0) {
      throw new IllegalArgumentException("VSS store URI '" + text + "' needs ?store=ID&seed=FILE");
    }
    String url = location.substring(0, q);
    Map<String, String> params = new HashMap<>();
    for (String p : location.substring(q + 1).split("&")) {
      int eq = p.indexOf('=');
      if (eq > 0) {
        params.put(
            p.substring(0, eq), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    String storeId = params.get("store");
    String seedFile = params.get("seed");
    if (storeId == null || seedFile == null) {
      throw new IllegalArgumentException(
          "VSS store URI '" + text + "' needs store=ID and seed=FILE (the node's 64-byte seed)");
    }
    if (storeId.isEmpty()) {
      throw new IllegalArgumentException(
          "VSS store URI '" + text + "' has an empty store=; name the node's store id");
    }
    byte[] seed = seed(Path.of(seedFile));
    VssStore.Builder b = VssStore.builder(url, storeId).nodeSeed(seed);
    switch (params.getOrDefault("auth", "none")) {
      case "none" -> {}
      case "signature" -> b.signatureAuth(seed);
      case "bearer" -> {
        String token = System.getenv("LNKV_VSS_TOKEN");
        if (token == null || token.isBlank()) {
          throw new IllegalArgumentException(
              "auth=bearer takes the token from LNKV_VSS_TOKEN, which is not set");
        }
        b.headers(VssHeaderProvider.bearer(() -> token));
      }
      default ->
          throw new IllegalArgumentException(
              "VSS store URI '" + text + "': auth must be none, signature or bearer");
    }
    if ("lenient".equals(params.get("protocol"))) {
      b.protocolVersionCheck(ProtocolVersionCheck.LENIENT);
    }
    // ldk-node retries for 180 s; an operator at a prompt learns sooner that the server is down
    Duration retryFor;
    try {
      retryFor = Durations.parse(params.getOrDefault("retry-for", DEFAULT_RETRY_FOR));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "VSS store URI '" + text + "': retry-for=" + e.getMessage());
    }
    if (retryFor.isZero()) {
      throw new IllegalArgumentException(
          "VSS store URI '" + text + "': retry-for must be positive");
    }
    b.retries(100, retryFor);
    if (readOnly) {
      b.readOnly();
    }
    return b.build();
  }

  private static final int MAX_SEED_FILE_BYTES = 1024;

  /** ldk-node's {@code keys_seed}: 64 raw bytes, or the same as hex text. */
  private static byte[] seed(Path file) {
    byte[] raw =
        SmallFile.read(
            file,
            "seed file",
            MAX_SEED_FILE_BYTES,
            "ldk-node's 64-byte seed (raw, or 128 hex digits; seed=FILE)");
    if (raw.length == 64) {
      return raw;
    }
    String text = new String(raw, StandardCharsets.US_ASCII).strip();
    if (text.length() == 128) {
      try {
        return HexFormat.of().parseHex(text);
      } catch (IllegalArgumentException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException(
        "The seed file "
            + file
            + " holds "
            + raw.length
            + " bytes; expected ldk-node's 64-byte seed (raw, or 128 hex digits)");
  }
}
