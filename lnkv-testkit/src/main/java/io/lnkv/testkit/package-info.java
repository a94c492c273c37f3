/**
 * Tests for any store: {@link io.lnkv.testkit.KVStoreConformance} (extend it), {@link
 * io.lnkv.testkit.ReferenceModel}, the SIGKILL {@link io.lnkv.testkit.CrashHarness}, and {@link
 * io.lnkv.testkit.FaultInjectingStore}.
 */
package io.lnkv.testkit;
