/**
 * Benchmark mains moved out of the library modules ({@code ./bench dse-timing}, {@code
 * search-timing}, {@code train-throughput}, {@code resnet-latency}): each times one stage on the
 * real ResNet models and prints a table; none is part of the test run.
 */
package org.lowrank.bench.timing;
