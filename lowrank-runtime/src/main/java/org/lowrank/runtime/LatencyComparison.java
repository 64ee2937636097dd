package org.lowrank.runtime;

import java.util.List;
import java.util.Locale;

/**
 * Original vs rewritten model latency, side by side per batch size, with the FLOPs ratio the caller
 * computed from the model analysis.
 *
 * @param label what was compared (e.g. "resnet20, Tucker-2 25%")
 * @param flopsRatio rewritten FLOPs / original FLOPs (NaN when unknown)
 * @param rows one row per batch size
 * @param note what the reader must know about how it was timed (e.g. "batch fixed by the model at
 *     1; asked for 1, 32"), or empty
 */
public record LatencyComparison(String label, double flopsRatio, List<Row> rows, String note) {

  public LatencyComparison(String label, double flopsRatio, List<Row> rows) {
    this(label, flopsRatio, rows, "");
  }

  /** This comparison with a note. */
  public LatencyComparison withNote(String v) {
    return new LatencyComparison(label, flopsRatio, rows, v);
  }

  /** One batch size: both measurements, taken interleaved in the same time window. */
  public record Row(LatencyResult original, LatencyResult rewritten) {
    public int batchSize() {
      return original.batchSize();
    }

    /** Original median / rewritten median wall time (> 1 means the rewrite is faster). */
    public double speedup() {
      return original.medianMillis() / rewritten.medianMillis();
    }

    /** Original / rewritten median CPU time of the calling thread (NaN when not measured). */
    public double cpuSpeedup() {
      return original.cpuMedianMillis() / rewritten.cpuMedianMillis();
    }

    /** The larger median spread of the two series (NaN when too few runs to tell). */
    public double spread() {
      return Double.isNaN(original.medianSpread())
          ? rewritten.medianSpread()
          : Double.isNaN(rewritten.medianSpread())
              ? original.medianSpread()
              : Math.max(original.medianSpread(), rewritten.medianSpread());
    }
  }

  /** A spread as a percentage, "-" when unknown (too few runs). */
  static String spreadText(double spread) {
    return Double.isNaN(spread) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * spread);
  }

  public LatencyComparison {
    rows = List.copyOf(rows);
    note = note == null ? "" : note;
  }

  /** A plain-text table (for the CLI or a benchmark main to print). */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(label)
        .append(
            String.format(Locale.ROOT, "  (FLOPs ratio rewritten/original %.3f)%n", flopsRatio));
    sb.append(
        String.format(
            Locale.ROOT,
            "%6s %8s | %12s %9s %9s %9s | %12s %9s %9s %9s | %8s %8s | %5s %7s%n",
            "batch",
            "threads",
            "orig ms med",
            "p10",
            "p90",
            "cpu med",
            "rewr ms med",
            "p10",
            "p90",
            "cpu med",
            "speedup",
            "cpu",
            "runs",
            "spread"));
    for (Row r : rows) {
      LatencyResult o = r.original();
      LatencyResult w = r.rewritten();
      sb.append(
          String.format(
              Locale.ROOT,
              "%6d %8d | %12.3f %9.3f %9.3f %9.3f | %12.3f %9.3f %9.3f %9.3f | %7.2fx %7.2fx | %5d %7s%n",
              r.batchSize(),
              o.intraOpThreads(),
              o.medianMillis(),
              o.p10Millis(),
              o.p90Millis(),
              o.cpuMedianMillis(),
              w.medianMillis(),
              w.p10Millis(),
              w.p90Millis(),
              w.cpuMedianMillis(),
              r.speedup(),
              r.cpuSpeedup(),
              o.runs(),
              spreadText(r.spread())));
    }
    if (!note.isEmpty()) {
      sb.append(note).append(String.format(Locale.ROOT, "%n"));
    }
    return sb.toString();
  }
}
