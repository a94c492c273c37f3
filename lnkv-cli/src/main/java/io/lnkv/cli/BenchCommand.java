package io.lnkv.cli;

import io.lnkv.bench.BenchMain;
import picocli.CommandLine.Command;

/**
 * {@code lnkv bench}: the standard benchmark set (JMH, in forked JVMs) on this machine, printed as
 * one table of figures beside baselines measured in the same run. Takes several minutes; with
 * {@code LNKV_PG_URL} set, PostgreSQL is measured too.
 */
@Command(
    name = "bench",
    description =
        "Run the benchmark set on this machine (several minutes) and print each store's figures"
            + " as ratios against write+fsync+rename and write+fdatasync loops from the same run.")
final class BenchCommand extends LnkvCommand {
  @Override
  public Integer call() throws Exception {
    BenchMain.main(new String[0]);
    return ExitCode.OK;
  }
}
