/**
 * Tests for any store: {@link io.lnkv.testkit.KVStoreConformance} (extend it), {@link
 * io.lnkv.testkit.ReferenceModel}, the SIGKILL {@link io.lnkv.testkit.CrashHarness}, the {@link
 * io.lnkv.testkit.PowerCutHarness} (power cuts on a {@link io.lnkv.testkit.disk.SimulatedDisk}),
 * {@link io.lnkv.testkit.FaultInjectingStore}, and {@link io.lnkv.testkit.Pages}.
 */
package io.lnkv.testkit;
