/**
 * Stage 8, Report: what a compression run did, as data ({@link
 * org.lowrank.report.CompressionReport}, built by the pipeline from the plan, measured accuracy,
 * latency and timings) and in three forms: machine-readable JSON ({@link
 * org.lowrank.report.ReportJson}), a self-contained HTML page with inline SVG charts ({@link
 * org.lowrank.report.HtmlReport}) and a few lines for the terminal ({@link
 * org.lowrank.report.ReportText}). Nothing here measures anything or prints: callers pass in the
 * numbers and write the strings (atomically, e.g. with {@link org.lowrank.report.ReportFiles}).
 */
package org.lowrank.report;
