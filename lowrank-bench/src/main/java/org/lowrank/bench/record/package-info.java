/**
 * Results as records: a benchmark row runs {@code lowrank} commands in process ({@link
 * org.lowrank.bench.record.CliRun}), appends one JSON line with its settings, provenance and
 * metrics to a {@link org.lowrank.bench.record.ResultLog} under {@code results/}, and a renderer
 * turns the latest line per id into a generated {@link org.lowrank.bench.record.MarkedBlock} of
 * RESULTS.md.
 */
package org.lowrank.bench.record;
