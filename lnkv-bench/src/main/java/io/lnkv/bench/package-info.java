/**
 * JMH benchmarks of the stores and {@link io.lnkv.bench.BenchMain}, which runs the set and prints
 * each figure beside the baseline it is measured against in the same run ({@code lnkv bench}).
 */
package io.lnkv.bench;
