package io.lnkv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the benchmark set on this machine and prints one table: every figure beside the baseline it
 * is measured against, from the same run, and the ratio. {@code ./lnkv bench}, or {@code mvn -pl
 * lnkv-bench -am -DskipTests install && mvn -pl lnkv-bench exec:exec}. With LNKV_PG_URL set,
 * PostgreSQL is measured too. Progress goes to standard error; {@code -Dlnkv.bench.verbose=true}
 * shows JMH's own output. {@code --quick} runs each step for a few seconds only (one short
 * measurement): the same table, with noisier figures, to check that the set runs.
 *
 * <p>Long because it lists every row of the benchmark table with its baseline and ratio, in the
 * order the table prints, so that one file says what each figure compares.
 */
public final class BenchMain {
  private static final int STEPS = 19;
  private static final boolean VERBOSE = Boolean.getBoolean("lnkv.bench.verbose");
  private static final String HOW_TO_SEE_WHY =
      "run again with JAVA_TOOL_OPTIONS=-Dlnkv.bench.verbose=true to see JMH's output";
  private static boolean quick;

  private BenchMain() {}

  /** Runs the benchmarks; {@code --quick} runs each step for a few seconds. */
  public static void main(String[] args) throws Exception {
    for (String arg : args) {
      if (arg.equals("--quick")) {
        quick = true;
      } else {
        throw new IllegalArgumentException("unknown argument '" + arg + "'; only --quick");
      }
    }
    List<String> durable = new ArrayList<>(List.of("sqlite", "fs", "fs2"));
    List<String> sql = new ArrayList<>(List.of("sqlite"));
    if (BenchStores.postgresAvailable()) {
      durable.add("postgres");
      sql.add("postgres");
    }
    String[] durables = durable.toArray(String[]::new);
    String[] sqls = sql.toArray(String[]::new);

    Collection<RunResult> baseline =
        new ArrayList<>(run(1, "baselines", opts(BaselineBenchmark.class).threads(1)));
    if (BenchStores.postgresAvailable()) {
      baseline.addAll(new Runner(opts(PostgresBaselineBenchmark.class).threads(1).build()).run());
    }
    Collection<RunResult> single =
        run(
            2,
            "durable writes, 1 writer",
            opts(DurableWriteBenchmark.class).param("store", durables).threads(1));
    Collection<RunResult> eight =
        run(
            3,
            "durable writes, 8 writers",
            opts(DurableWriteBenchmark.class).param("store", durables).threads(8));
    Collection<RunResult> batch =
        run(4, "atomic batches", opts(BatchBenchmark.class).param("store", sqls).threads(1));
    Collection<RunResult> queued =
        run(
            5,
            "queued commits",
            opts(QueuedCommitBenchmark.class).param("store", durables).threads(1));
    Collection<RunResult> tiers = run(6, "TierStore", opts(TierBenchmark.class).threads(1));
    Collection<RunResult> pages =
        BenchStores.postgresAvailable()
            ? run(
                7,
                "PostgreSQL first pages",
                opts(FirstPageBenchmark.class).param("store", "postgres"))
            : List.of();
    int[] sizes = quick ? new int[] {1_000, 10_000} : new int[] {1_000, 10_000, 100_000, 1_000_000};
    String[] sizeParams = Arrays.stream(sizes).mapToObj(String::valueOf).toArray(String[]::new);
    List<String> scaled = List.of("sqlite", "fs2");
    java.nio.file.Path fixtures = BenchStores.tempDir();
    Collection<RunResult> scalePages;
    Collection<RunResult> scaleWrites;
    java.util.Map<String, OpenAndHeap.Figures> opened = new java.util.HashMap<>();
    try {
      long start = System.nanoTime();
      System.err.printf(
          Locale.ROOT,
          "[8/%d] filling stores of up to %,d keys ...",
          STEPS,
          sizes[sizes.length - 1]);
      for (String s : scaled) {
        for (int n : sizes) {
          Fixtures.fill(fixtures, s, n);
        }
      }
      System.err.printf(Locale.ROOT, " %.0f s%n", (System.nanoTime() - start) / 1e9);
      scalePages =
          run(
              9,
              "first pages and writes at scale",
              scaled(ScaleBenchmark.class.getName() + ".firstPage$", fixtures)
                  .param("store", "sqlite", "fs2", "fs2-ldk")
                  .param("keys", sizeParams));
      scaleWrites =
          new Runner(
                  scaled(ScaleBenchmark.class.getName() + ".write$", fixtures)
                      .param("store", scaled.toArray(String[]::new))
                      .param("keys", sizeParams)
                      .build())
              .run();
      for (String s : scaled) {
        for (int n : sizes) {
          opened.put(s + n, OpenAndHeap.measure(fixtures, s, n));
        }
      }
    } finally {
      BenchStores.delete(fixtures);
    }
    Collection<RunResult> vssOne =
        run(
            10,
            "VSS over loopback, 1 client thread",
            opts(VssBenchmark.class).param("storage", sqls).threads(1));
    Collection<RunResult> vssEight =
        run(
            11,
            "VSS over loopback, 8 client threads",
            opts(VssBenchmark.class).param("storage", sqls).threads(8));

    int[] connections = {1, 8, 64};
    List<Collection<RunResult>> served = new ArrayList<>();
    for (int i = 0; i < connections.length; i++) {
      Collection<RunResult> results = new ArrayList<>();
      results.addAll(
          run(
              12 + i,
              "lnkv serve, " + connections[i] + " connections",
              served(VssServerBenchmark.class).threads(connections[i])));
      results.addAll(
          new Runner(
                  served(io.lnkv.vss.server.StorageBenchmark.class).threads(connections[i]).build())
              .run());
      served.add(results);
    }

    Collection<RunResult> quota =
        run(
            15,
            "lnkv serve's quota check, by the user's size",
            served(io.lnkv.vss.server.QuotaBenchmark.class).threads(1));

    String[] delays = quick ? new String[] {"0", "25"} : new String[] {"0", "5", "25"};
    int[] callers = {1, 8, 64};
    List<Collection<RunResult>> distant = new ArrayList<>();
    for (int i = 0; i < callers.length; i++) {
      distant.add(
          run(
              16 + i,
              "one VssStore at a distance, " + callers[i] + " callers",
              served(DistanceBenchmark.class).param("delayMs", delays).threads(callers[i])));
    }

    long cpuStart = System.nanoTime();
    System.err.printf(Locale.ROOT, "[19/%d] lnkv serve's own CPU per request ...", STEPS);
    ServerCpu.Result cpu = ServerCpu.measure(quick ? 250 : 2_000);
    System.err.printf(Locale.ROOT, " %.0f s%n", (System.nanoTime() - cpuStart) / 1e9);

    double fdatasync = score(baseline, "durableWrite", "kind", "fdatasync");
    double rename = score(baseline, "durableWrite", "kind", "fsync-rename");
    Table t = new Table();
    t.row("baseline", "write+fdatasync loop", fdatasync, "ops/s", "", Double.NaN, "");
    t.row("baseline", "write+fsync+rename+dir fsync", rename, "ops/s", "", Double.NaN, "");
    for (String s : durable) {
      double one = score(single, "write", "store", s);
      double many = score(eight, "write", "store", s);
      t.row(s, "durable writes, 1 writer", one, "ops/s", "write+fdatasync", one / fdatasync, "x");
      t.row(s, "durable writes, 1 writer", one, "ops/s", "write+fsync+rename", one / rename, "x");
      t.row(s, "durable writes, 8 writers", many, "ops/s", "same store, 1 writer", many / one, "x");
      t.row(
          s, "durable writes, 8 writers", many, "ops/s", "write+fdatasync", many / fdatasync, "x");
      if (s.equals("postgres")) {
        double jdbc = only(baseline, "PostgresBaselineBenchmark.write");
        t.row(
            s, "durable writes, 1 writer", one, "ops/s", "JDBC autocommit upsert", one / jdbc, "x");
      }
    }
    for (String s : sql) {
      double fast = score(batch, "batchOf1000", "store", s);
      double slow = score(batch, "singles1000", "store", s);
      t.row(s, "atomic batch of 1,000", fast, "ms", "1,000 single writes", slow / fast, "x faster");
    }
    for (String s : durable) {
      double fast = score(queued, "commitOf1000Queued", "store", s);
      double slow = score(queued, "singles1000", "store", s);
      t.row(
          s, "commit of 1,000 queued", fast, "ms", "1,000 single writes", slow / fast, "x faster");
    }
    double alone = score(tiers, "write", "setup", "primary");
    String latency =
        " ("
            + TierBenchmark.PRIMARY_LATENCY.toMillis()
            + "+"
            + TierBenchmark.BACKUP_LATENCY.toMillis()
            + " ms)";
    t.row("tier", "primary alone" + latency, alone, "ms", "", Double.NaN, "");
    for (String setup : List.of("sync", "semi_sync", "sequential")) {
      double ms = score(tiers, "write", "setup", setup);
      t.row("tier", setup + " write" + latency, ms, "ms", "primary alone", ms / alone, "x");
    }
    if (BenchStores.postgresAvailable()) {
      double small = pageScore(pages, "postgres", "1000");
      double large = pageScore(pages, "postgres", "100000");
      t.row(
          "postgres",
          "first page at 100,000 keys",
          large,
          "us",
          "first page at 1,000",
          large / small,
          "x");
    }
    for (String s : scaled) {
      double page1k = scaleScore(scalePages, s, sizes[0]);
      double write1k = scaleScore(scaleWrites, s, sizes[0]);
      OpenAndHeap.Figures small = opened.get(s + sizes[0]);
      for (int n : Arrays.copyOfRange(sizes, 1, sizes.length)) {
        String at = String.format(Locale.ROOT, "%,d keys", n);
        double page = scaleScore(scalePages, s, n);
        t.row(s, "first page at " + at, page, "us", "first page at 1,000", page / page1k, "x");
        if (s.equals("fs2")) {
          double ldk = scaleScore(scalePages, "fs2-ldk", n);
          t.row(
              s, "first page at " + at, page, "us", "LDK list+sort, same", ldk / page, "x faster");
        }
        double write = scaleScore(scaleWrites, s, n);
        t.row(
            s, "durable write at " + at, write, "us", "write at 1,000 keys", write / write1k, "x");
        OpenAndHeap.Figures f = opened.get(s + n);
        t.row(
            s,
            "open with " + at,
            f.openMillis(),
            "ms",
            "open with 1,000 keys",
            f.openMillis() / small.openMillis(),
            "x");
        t.row(
            s,
            "heap, open and paged, " + at,
            f.heapBytes() / 1e6,
            "MB",
            "same, 1,000 keys",
            (double) f.heapBytes() / Math.max(1, small.heapBytes()),
            "x");
      }
    }
    for (String s : sql) {
      String name = "vss-" + s;
      double write = score(vssOne, "write", "storage", s);
      double read = score(vssOne, "read", "storage", s);
      double absent = score(vssOne, "readAbsent", "storage", s);
      t.row(
          name,
          "write, 1 client thread",
          write,
          "ops/s",
          "write+fdatasync",
          write / fdatasync,
          "x");
      t.row(
          name,
          "write, 8 client threads",
          score(vssEight, "write", "storage", s),
          "ops/s",
          "1 client thread",
          score(vssEight, "write", "storage", s) / write,
          "x");
      for (int threads : new int[] {1, 8}) {
        double fenced = score(threads == 1 ? vssOne : vssEight, "write", "storage", s);
        double bare = score(threads == 1 ? vssOne : vssEight, "writeUnfenced", "storage", s);
        t.row(
            name,
            "write without fencing, " + threads + (threads == 1 ? " thread" : " threads"),
            bare,
            "ops/s",
            "fenced write (default)",
            bare / fenced,
            "x");
      }
      t.row(name, "read, 1 client thread", read, "ops/s", "read of absent key", read / absent, "x");
      t.row(
          name,
          "read, 8 client threads",
          score(vssEight, "read", "storage", s),
          "ops/s",
          "1 client thread",
          score(vssEight, "read", "storage", s) / read,
          "x");
      t.row(name, "read of absent key, 1 thread", absent, "ops/s", "", Double.NaN, "");
    }
    for (int i = 0; i < connections.length; i++) {
      Collection<RunResult> r = served.get(i);
      String n = connections[i] + (connections[i] == 1 ? " connection" : " connections");
      double bare = only(r, "bareRoundTrip");
      double read = only(r, "VssServerBenchmark.read");
      double write = only(r, "VssServerBenchmark.write");
      double storage = only(r, "StorageBenchmark.write");
      t.row("vss-serve", "bare HTTP round trip, " + n, bare, "ops/s", "", Double.NaN, "");
      t.row("vss-serve", "read, " + n, read, "ops/s", "bare round trip", read / bare, "x");
      t.row(
          "vss-serve",
          "write, " + n,
          write,
          "ops/s",
          "storage, " + connections[i] + (connections[i] == 1 ? " writer" : " writers"),
          write / storage,
          "x");
      // the same writes against HTTP's own cost: what is left once the client's and the
      // engine's share of the (shared) CPU is paid
      t.row("vss-serve", "write, " + n, write, "ops/s", "bare round trip", write / bare, "x");
    }
    double smallUser = score(quota, "put", "userKeys", "10");
    double bigUser = score(quota, "put", "userKeys", "100000");
    t.row(
        "vss-serve",
        "put under a quota, user of 100k keys",
        bigUser,
        "ops/s",
        "user of 10 keys",
        bigUser / smallUser,
        "x");
    for (String delay : delays) {
      for (String op : new String[] {"write", "read"}) {
        double one = score(distant.get(0), op, "delayMs", delay);
        for (int i = 0; i < callers.length; i++) {
          double n = score(distant.get(i), op, "delayMs", delay);
          String what =
              (op.equals("write") ? "fenced writes, " : "reads, ")
                  + callers[i]
                  + (callers[i] == 1 ? " caller, " : " callers, ")
                  + delay
                  + " ms each way";
          if (i == 0) {
            t.row("vss-distance", what, n, "ops/s", "", Double.NaN, "");
          } else {
            t.row("vss-distance", what, n, "ops/s", "1 caller, same delay", n / one, "x");
          }
        }
      }
    }
    t.row(
        "vss-serve", "server CPU per request, bare handler", cpu.bare(), "us", "", Double.NaN, "");
    t.row(
        "vss-serve",
        "server CPU per read",
        cpu.read(),
        "us",
        "bare handler",
        cpu.read() / cpu.bare(),
        "x");
    t.row(
        "vss-serve",
        "server CPU per write",
        cpu.write(),
        "us",
        "bare handler",
        cpu.write() / cpu.bare(),
        "x");
    PrintStream out = System.out;
    out.println();
    out.println("lnkv bench: JMH on this machine; each ratio against a baseline from this run");
    t.print(out);
  }

  /** Rows of (store, measurement, figure, unit, against, ratio). */
  private static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    void row(
        String store,
        String what,
        double figure,
        String unit,
        String against,
        double ratio,
        String ratioUnit) {
      String value =
          String.format(Locale.ROOT, figure >= 100 ? "%.0f %s" : "%.2f %s", figure, unit);
      String r = Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f%s", ratio, ratioUnit);
      rows.add(new String[] {store, what, value, against, r});
    }

    void print(PrintStream out) {
      String format = "%-12s %-36s %14s   %-22s %s%n";
      out.printf(Locale.ROOT, format, "store", "measurement", "figure", "against", "ratio");
      for (String[] r : rows) {
        out.printf(Locale.ROOT, format, (Object[]) r);
      }
    }
  }

  /**
   * Options for the server benchmarks: a longer warm-up, since a server and its clients share the
   * JVM and both must be compiled before they are measured (after one second, reads ran at a third
   * of what they reach after five).
   */
  private static ChainedOptionsBuilder served(Class<?> benchmark) {
    return opts(benchmark).warmupTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(5));
  }

  /**
   * Options for the benchmarks at scale: one fork per store and size, reading the filled stores in
   * {@code fixtures}. LDK's page at 1,000,000 keys takes seconds, so a measurement is one op or
   * more.
   */
  private static ChainedOptionsBuilder scaled(String include, java.nio.file.Path fixtures) {
    return opts(include, "-D" + Fixtures.PROPERTY + "=" + fixtures).threads(1);
  }

  private static ChainedOptionsBuilder opts(Class<?> benchmark) {
    return opts(benchmark.getName() + "\\.");
  }

  /** Options for the benchmarks matching {@code include}, with more JVM arguments for the fork. */
  private static ChainedOptionsBuilder opts(String include, String... jvmArgs) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "-Xmx1g",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=" + (VERBOSE ? "info" : "warn"),
                // the benchmark's own server runs without authentication on loopback, on purpose
                "-Dorg.slf4j.simpleLogger.log.io.lnkv.vss.server.VssServer="
                    + (VERBOSE ? "info" : "error")));
    args.addAll(List.of(jvmArgs));
    return new OptionsBuilder()
        .include(include)
        .forks(1)
        .warmupIterations(1)
        .warmupTime(quick ? TimeValue.milliseconds(200) : TimeValue.seconds(1))
        .measurementIterations(quick ? 1 : 3)
        .measurementTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(2))
        .verbosity(VERBOSE ? VerboseMode.NORMAL : VerboseMode.SILENT)
        .jvmArgsAppend(args.toArray(String[]::new));
  }

  private static Collection<RunResult> run(int step, String what, ChainedOptionsBuilder options)
      throws RunnerException {
    long start = System.nanoTime();
    System.err.printf(Locale.ROOT, "[%d/%d] %s ...", step, STEPS, what);
    System.err.flush();
    Collection<RunResult> results = new Runner(options.build()).run();
    System.err.printf(Locale.ROOT, " %.0f s%n", (System.nanoTime() - start) / 1e9);
    return results;
  }

  private static double score(
      Collection<RunResult> results, String method, String param, String value) {
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().endsWith("." + method)
          && value.equals(r.getParams().getParam(param))) {
        return r.getPrimaryResult().getScore();
      }
    }
    throw new IllegalStateException(
        "no result for "
            + method
            + " "
            + param
            + "="
            + value
            + " (it failed; "
            + HOW_TO_SEE_WHY
            + ")");
  }

  /** The score of the one benchmark whose name ends with {@code method}. */
  private static double only(Collection<RunResult> results, String method) {
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().endsWith("." + method)) {
        return r.getPrimaryResult().getScore();
      }
    }
    throw new IllegalStateException(
        "no result for " + method + " (it failed; " + HOW_TO_SEE_WHY + ")");
  }

  private static double scaleScore(Collection<RunResult> results, String store, int keys) {
    return pageScore(results, store, String.valueOf(keys));
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
