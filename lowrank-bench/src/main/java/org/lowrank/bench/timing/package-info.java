/**
 * Timing benchmarks ({@code ./bench dse-timing}, {@code search-timing}, {@code train-throughput},
 * {@code resnet-latency}), picocli subcommands of {@link org.lowrank.bench.BenchMain}: each times
 * one stage on the real ResNet models and prints a table; none is part of the test run. The numbers
 * worth keeping are recorded by {@code ./bench results} (experiment 4: training throughput;
 * experiment 5: search times).
 */
package org.lowrank.bench.timing;
