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
  @picocli.CommandLine.Option(
      names = "--quick",
      description =
          "A few seconds per step instead of minutes in all: the same table with noisier figures,"
              + " to check that the set runs here.")
  boolean quick;

  @Override
  public Integer call() throws Exception {
    BenchMain.main(quick ? new String[] {"--quick"} : new String[0]);
    return ExitCode.OK;
  }
}
