package io.lnkv.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lnkv demo}: the README quickstart ({@link NodeDemo}), with a progress bar for the restore
 * and the report printed as text or JSON.
 */
@Command(
    name = "demo",
    description =
        "Run a Lightning-shaped workload on a tiered store (SQLite primary, FilesystemStoreV2"
            + " backup, in-memory ephemeral tier), lose the primary, restore it from the backup,"
            + " verify, and report.")
final class DemoCommand extends LnkvCommand {
  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Where the demo keeps its stores (default: ./lnkv-demo; replaced on each run).")
  Path dir = Path.of("lnkv-demo");

  @Option(names = "--payments", paramLabel = "N", description = "Payments to make (default 300).")
  int payments = 300;

  @Override
  public Integer call() throws Exception {
    if (payments < 1) {
      throw new IllegalArgumentException("--payments must be at least 1, got " + payments);
    }
    NodeDemo.Result result;
    try (Output.Progress bar = output().progress("restore")) {
      result = new NodeDemo(dir, payments).run(bar);
    }
    output().result(result.report(), String.join("\n", result.lines()));
    return result.clean() ? ExitCode.OK : ExitCode.DRIFT;
  }
}
