package io.lnkv.cli;

import java.io.File;
import java.io.FileNotFoundException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lnkv bench}: the standard benchmark set (JMH, in forked JVMs) on this machine, printed as
 * one table of figures beside baselines measured in the same run. Takes several minutes; with
 * {@code LNKV_PG_URL} set, PostgreSQL is measured too.
 *
 * <p>The harness is not in {@code lnkv.jar}: JMH is GPL-2.0 with the Classpath Exception, and
 * nothing else the command does needs it. It lives in {@code lnkv-bench.jar} (module lnkv-bench),
 * which this command runs in a child JVM whose class path is its own plus that jar, so that JMH's
 * forks see both. The jar is found at {@code $LNKV_BENCH_JAR} (the launcher {@code ./lnkv} builds
 * it and sets this) or beside {@code lnkv.jar}.
 */
@Command(
    name = "bench",
    description =
        "Run the benchmark set on this machine (several minutes) and print each store's figures"
            + " as ratios against write+fsync+rename and write+fdatasync loops from the same run."
            + " Runs lnkv-bench.jar (JMH), found at $LNKV_BENCH_JAR or beside lnkv.jar; the"
            + " launcher in a clone builds it.")
final class BenchCommand extends LnkvCommand {
  static final String JAR_NAME = "lnkv-bench.jar";
  static final String JAR_VARIABLE = "LNKV_BENCH_JAR";
  private static final String MAIN = "io.lnkv.bench.BenchMain";

  @Option(
      names = "--quick",
      description =
          "A few seconds per step instead of minutes in all: the same table with noisier figures,"
              + " to check that the set runs here.")
  boolean quick;

  @Override
  public Integer call() throws Exception {
    Path jar = benchJar(System.getenv(JAR_VARIABLE), ownJar());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path") + File.pathSeparator + jar);
    command.add(MAIN);
    if (quick) {
      command.add("--quick");
    }
    Process child = new ProcessBuilder(command).inheritIO().start();
    Thread stopChild = new Thread(child::destroy, "lnkv-bench-stop");
    Runtime.getRuntime().addShutdownHook(stopChild); // Ctrl-C stops the benchmarks too
    try {
      int exit = child.waitFor();
      return exit == 0 ? ExitCode.OK : ExitCode.FAILED;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopChild);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs
      }
    }
  }

  /**
   * Where {@code lnkv-bench.jar} is: the variable's path if set (it must then exist), else the file
   * of that name beside this command's own jar.
   *
   * @throws FileNotFoundException with what to do, if there is none
   */
  static Path benchJar(String variable, Path ownJar) throws FileNotFoundException {
    if (variable != null && !variable.isEmpty()) {
      Path named = Path.of(variable);
      if (!Files.isRegularFile(named)) {
        throw new FileNotFoundException(
            "lnkv bench: "
                + JAR_VARIABLE
                + " names "
                + named
                + ", which is not a file; build it with: mvn -B -q -DskipTests package -pl"
                + " lnkv-bench -am (it is lnkv-bench/target/"
                + JAR_NAME
                + "), or unset the variable");
      }
      return named;
    }
    if (ownJar != null && ownJar.getParent() != null) {
      Path beside = ownJar.resolveSibling(JAR_NAME);
      if (Files.isRegularFile(beside)) {
        return beside;
      }
    }
    throw new FileNotFoundException(
        "lnkv bench needs "
            + JAR_NAME
            + " (the JMH harness, left out of lnkv.jar), and found it neither at $"
            + JAR_VARIABLE
            + " nor beside "
            + (ownJar == null ? "lnkv.jar" : ownJar)
            + ". From a clone, run ./lnkv bench (the launcher builds it); or build it with: mvn -B"
            + " -q -DskipTests package -pl lnkv-bench -am, and set "
            + JAR_VARIABLE
            + "=lnkv-bench/target/"
            + JAR_NAME);
  }

  /** This command's jar, or null when it runs from a folder of classes (tests, an IDE). */
  private static Path ownJar() {
    try {
      var source = BenchCommand.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return null;
      }
      Path path = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(path) ? path : null;
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      return null;
    }
  }
}
