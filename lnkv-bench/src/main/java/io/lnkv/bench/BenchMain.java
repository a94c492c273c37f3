package io.lnkv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmark set on this machine and prints each figure beside its baseline from the same
 * run, as a ratio. {@code mvn -pl lnkv-bench -am -DskipTests install && mvn -pl lnkv-bench
 * exec:exec}. With LNKV_PG_URL set, PostgreSQL is measured too.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws RunnerException {
    List<String> durable = new ArrayList<>(List.of("sqlite", "fs", "fs2"));
    List<String> sql = new ArrayList<>(List.of("sqlite"));
    if (BenchStores.postgresAvailable()) {
      durable.add("postgres");
      sql.add("postgres");
    }
    PrintStream out = System.out;

    Collection<RunResult> baseline = run(opts(BaselineBenchmark.class).threads(1));
    Collection<RunResult> single =
        run(
            opts(DurableWriteBenchmark.class)
                .param("store", durable.toArray(String[]::new))
                .threads(1));
    Collection<RunResult> eight =
        run(
            opts(DurableWriteBenchmark.class)
                .param("store", durable.toArray(String[]::new))
                .threads(8));
    Collection<RunResult> batch =
        run(opts(BatchBenchmark.class).param("store", sql.toArray(String[]::new)).threads(1));
    Collection<RunResult> queued =
        run(
            opts(QueuedCommitBenchmark.class)
                .param("store", durable.toArray(String[]::new))
                .threads(1));
    Collection<RunResult> tiers = run(opts(TierBenchmark.class).threads(1));
    Collection<RunResult> pages =
        run(opts(FirstPageBenchmark.class).param("store", sql.toArray(String[]::new)).threads(1));

    double fdatasync = score(baseline, "durableWrite", "kind", "fdatasync");
    double rename = score(baseline, "durableWrite", "kind", "fsync-rename");
    out.println();
    out.println("lnkv benchmarks (JMH; ratios against baselines measured in this run)");
    out.printf(
        Locale.ROOT,
        "baseline: write+fdatasync %.0f ops/s; write+fsync+rename+dir fsync %.0f ops/s%n",
        fdatasync,
        rename);
    out.println();
    out.printf(
        Locale.ROOT,
        "%-10s %14s %14s %14s %12s%n",
        "store",
        "1 writer/s",
        "vs fdatasync",
        "8 writers/s",
        "8 vs 1");
    for (String s : durable) {
      double one = score(single, "write", "store", s);
      double many = score(eight, "write", "store", s);
      out.printf(
          Locale.ROOT,
          "%-10s %14.0f %13.2fx %14.0f %11.2fx%n",
          s,
          one,
          one / fdatasync,
          many,
          many / one);
    }
    speedUp(out, batch, sql, "batch of 1000", "batchOf1000", "1000 singles", "singles1000");
    speedUp(
        out,
        queued,
        durable,
        "commit 1000 queued",
        "commitOf1000Queued",
        "1000 singles",
        "singles1000");
    out.println();
    out.printf(
        Locale.ROOT,
        "TierStore write, primary %d ms + backup %d ms injected (ratio against primary alone)%n",
        TierBenchmark.PRIMARY_LATENCY.toMillis(),
        TierBenchmark.BACKUP_LATENCY.toMillis());
    double alone = score(tiers, "write", "setup", "primary");
    for (String setup : List.of("primary", "sync", "semi_sync", "sequential")) {
      double ms = score(tiers, "write", "setup", setup);
      out.printf(Locale.ROOT, "%-10s %10.2f ms %9.2fx%n", setup, ms, ms / alone);
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "%-10s %18s %18s %10s%n",
        "store",
        "first page @1k",
        "first page @100k",
        "ratio");
    for (String s : sql) {
      double small = pageScore(pages, s, "1000");
      double large = pageScore(pages, s, "100000");
      out.printf(Locale.ROOT, "%-10s %15.1f us %15.1f us %9.2fx%n", s, small, large, large / small);
    }
  }

  /**
   * A table of two ways of doing the same work (ms each), and how many times faster the first is.
   */
  private static void speedUp(
      PrintStream out,
      Collection<RunResult> results,
      List<String> stores,
      String fastLabel,
      String fastMethod,
      String slowLabel,
      String slowMethod) {
    out.println();
    out.printf(Locale.ROOT, "%-10s %18s %16s %10s%n", "store", fastLabel, slowLabel, "speed-up");
    for (String s : stores) {
      double fast = score(results, fastMethod, "store", s);
      double slow = score(results, slowMethod, "store", s);
      out.printf(Locale.ROOT, "%-10s %15.2f ms %13.2f ms %9.1fx%n", s, fast, slow, slow / fast);
    }
  }

  private static ChainedOptionsBuilder opts(Class<?> benchmark) {
    return new OptionsBuilder()
        .include(benchmark.getName() + "\\.")
        .forks(1)
        .warmupIterations(1)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(3)
        .measurementTime(TimeValue.seconds(2))
        .jvmArgsAppend("-Xmx1g");
  }

  private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
    return new Runner(options.build()).run();
  }

  private static double score(
      Collection<RunResult> results, String method, String param, String value) {
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().endsWith("." + method)
          && value.equals(r.getParams().getParam(param))) {
        return r.getPrimaryResult().getScore();
      }
    }
    throw new IllegalStateException("no result for " + method + " " + param + "=" + value);
  }

  private static double pageScore(Collection<RunResult> results, String store, String keys) {
    for (RunResult r : results) {
      if (store.equals(r.getParams().getParam("store"))
          && keys.equals(r.getParams().getParam("keys"))) {
        return r.getPrimaryResult().getScore();
      }
    }
    throw new IllegalStateException("no first-page result for " + store + " at " + keys);
  }
}
