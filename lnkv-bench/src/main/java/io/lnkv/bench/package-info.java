/**
 * JMH benchmarks of the stores and {@link io.lnkv.bench.BenchMain}, which runs the set and prints
 * each figure beside the baseline it is measured against in the same run ({@code lnkv bench}).
 * Built into {@code lnkv-bench.jar} with JMH, apart from {@code lnkv.jar}.
 *
 * <p>Where things live: {@code BenchMain} runs the steps and prints the table. Baselines: {@code
 * BaselineBenchmark} (fdatasync and fsync+rename loops), {@code PostgresBaselineBenchmark}, {@code
 * BareServer} (a bare Jetty handler). Stores: {@code DurableWriteBenchmark}, {@code
 * BatchBenchmark}, {@code QueuedCommitBenchmark}, {@code TierBenchmark} (over {@code SlowStore}),
 * {@code FirstPageBenchmark} and {@code ScaleBenchmark} with {@code OpenAndHeap} over {@code
 * Fixtures}. VSS: {@code VssBenchmark} (loopback), {@code VssServerBenchmark} (many connections),
 * {@code DistanceBenchmark} (through {@code DelayProxy}, at a distance), {@code ServerCpu} (the
 * server's CPU per request). The server's storage and quota benchmarks sit in {@code
 * io.lnkv.vss.server} of this jar, to reach package-private storage classes.
 */
package io.lnkv.bench;
