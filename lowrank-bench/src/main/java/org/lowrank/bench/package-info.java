/**
 * Benchmarks ({@code ./bench <name>}, entry point {@link org.lowrank.bench.BenchMain}). Each
 * answers one question; the result runners ({@code trust}, {@code real}, {@code results}) append
 * one JSON line per row to {@code results/*.jsonl} ({@link org.lowrank.bench.record}), and {@code
 * ./bench render} regenerates RESULTS.md from those lines ({@link org.lowrank.bench.ResultsPage}).
 * None runs in the test suite; their parsing and rendering are tested.
 */
package org.lowrank.bench;
