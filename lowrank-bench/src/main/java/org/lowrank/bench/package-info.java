/**
 * Benchmarks that print tables ({@code ./bench <name>}, entry point {@link org.lowrank.bench.BenchMain}).
 * Each answers one question and prints its result; none runs in the test suite.
 */
package org.lowrank.bench;
