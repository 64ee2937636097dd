/**
 * The experiments of issues 5 and 7 as data: {@link org.lowrank.bench.results.Experiments} lists
 * the rows ({@link org.lowrank.bench.results.Experiment}: id, settings, rerun command), {@link
 * org.lowrank.bench.results.ExperimentRunner} runs one through the public API and measures it
 * (every call into the compression pipeline is in {@link org.lowrank.bench.results.Pipelines}),
 * {@link org.lowrank.bench.results.ResultsCommand} ({@code ./bench results}) appends one JSON line
 * per row to {@code results/experiments.jsonl}, and {@link
 * org.lowrank.bench.results.ExperimentsPage} renders the latest line per id into RESULTS.md.
 */
package org.lowrank.bench.results;
