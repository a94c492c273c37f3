/**
 * Tests for any store: {@link io.lnkv.testkit.KVStoreConformance} (extend it), {@link
 * io.lnkv.testkit.ReferenceModel}, the SIGKILL {@link io.lnkv.testkit.CrashHarness}, the {@link
 * io.lnkv.testkit.PowerCutHarness} (power cuts on a {@link io.lnkv.testkit.disk.SimulatedDisk}),
 * {@link io.lnkv.testkit.FaultInjectingStore}, and {@link io.lnkv.testkit.Pages}.
 *
 * <p>Where things live: the conformance suite is {@code KVStoreConformance}, assembled from {@code
 * ContractConformance} (keys, read, write, remove, scoping), {@code BatchConformance} (atomic
 * batches, asynchronous call order) and {@code PagingConformance} (pages, enumeration, migration)
 * over {@code ConformanceBase}, each checked against the {@code ReferenceModel}; {@code
 * QueuedStoreConformance} runs it through a QueuedStore. The crash harness is {@code CrashHarness}
 * killing a {@code CrashChild} that runs a {@code CrashWorkload} on a {@code CrashTarget}. The
 * power-cut harness is {@code PowerCutHarness} with its {@code PowerCutModel} and {@code
 * PowerCutStep}s, on the disk model in {@code io.lnkv.testkit.disk}. Run lengths are {@code
 * TestSettings}; the PostgreSQL server {@code TestPostgres}.
 */
package io.lnkv.testkit;
