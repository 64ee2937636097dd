package org.lowrank.pipeline;

import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.select.SelectorProvider;
import org.lowrank.plan.select.SelectorRegistry;
import org.lowrank.report.CompressionReport;
import org.lowrank.runtime.LatencyComparison;

/** Builds the {@link CompressionReport} of a pipeline run (JSON and HTML writers live in core). */
public final class Reports {
  private Reports() {}

  /**
   * @param r the run
   * @param datasetName how to name the evaluation data in the report (e.g. "CIFAR-10 test")
   */
  public static CompressionReport of(CompressionResult r, String modelPath, String datasetName) {
    CompressionReport.Builder b =
        CompressionReport.builder()
            .setPlan(r.plan())
            .optModelPath(modelPath)
            .optInputShape(r.before().inputShapes().values().iterator().next())
            .optTotals(
                new org.lowrank.cost.Cost(r.before().totalParams(), r.before().totalMacs()),
                new org.lowrank.cost.Cost(r.after().totalParams(), r.after().totalMacs()))
            .optSeed("pipeline", r.seed())
            .optVersion("lowrank", version())
            .optVersion("java", System.getProperty("java.version"))
            .optScoreLabel(scoreLabel(r.plan().selector()));
    r.stageSeconds().forEach((stage, s) -> b.optTiming(stage.label(), s));
    accuracy(r, Checkpoint.ORIGINAL, datasetName).ifPresent(b::optAccuracyBefore);
    accuracy(r, Checkpoint.COMPRESSED, datasetName).ifPresent(b::optAccuracyCompressed);
    accuracy(r, Checkpoint.FINE_TUNED, datasetName).ifPresent(b::optAccuracyFinetuned);
    LatencyComparison lat = r.latency();
    if (lat != null) {
      for (LatencyComparison.Row row : lat.rows()) {
        b.optLatency(
            new CompressionReport.Latency(
                row.batchSize(),
                row.original().intraOpThreads(),
                row.original().medianMillis(),
                row.rewritten().medianMillis(),
                row.original().runs(),
                row.spread()));
      }
    }
    b.optExplorationMetric(scoreLabel(r.plan().selector()));
    for (LayerDecision d : r.plan().layers()) {
      if (d.isFactorized() && Double.isFinite(d.score())) {
        b.optExplored(
            new CompressionReport.ExploredPoint(
                d.layer() + " " + d.choice(),
                (double) d.after().params() / d.before().params(),
                (double) d.after().macs() / d.before().macs(),
                d.score(),
                true));
      }
    }
    for (PipelineWarning w : r.warnings()) {
      b.optWarning(w.text());
    }
    if (r.fidelity() != null) {
      b.optFidelity(fidelity(r.fidelity(), r.output()));
    }
    b.optPruning(r.pruning());
    return b.build();
  }

  /** The report's view of a verdict: at most {@value #WORST_LAYERS} worst layers. */
  static CompressionReport.Fidelity fidelity(Fidelity f, java.nio.file.Path written) {
    FidelityGuard g = f.guard();
    String guard =
        f.original() != null
            ? "--max-drop " + g.maxDrop()
            : Double.isNaN(f.measurement().top1Agreement())
                ? "--max-output-error " + g.maxOutputError()
                : "--min-agreement " + g.minAgreement();
    if (g.force()) {
      guard += ", --force";
    }
    return new CompressionReport.Fidelity(
        f.passed(),
        written == null ? "" : written.toString(),
        f.verdict(),
        f.inputs().describe(),
        f.measurement().samples(),
        f.measurement().top1Agreement(),
        f.measurement().outputError(),
        guard,
        f.worstLayers(WORST_LAYERS).stream()
            .map(e -> new CompressionReport.LayerError(e.layer(), e.inputError(), e.outputError()))
            .toList(),
        f.advice());
  }

  /** Layers listed by the fidelity section, worst first. */
  static final int WORST_LAYERS = 5;

  private static java.util.Optional<CompressionReport.Accuracy> accuracy(
      CompressionResult r, Checkpoint checkpoint, String dataset) {
    return java.util.Optional.ofNullable(r.accuracy().get(checkpoint))
        .map(x -> new CompressionReport.Accuracy(x.top1(), x.top5(), dataset, x.examples()));
  }

  /** What the plan's scores measure, from its selector's provider ("energy kept" when unknown). */
  private static String scoreLabel(String selector) {
    return SelectorRegistry.find(selector).map(SelectorProvider::scoreLabel).orElse("energy kept");
  }

  /** The lowrank version from the jar manifest, or "dev". */
  public static String version() {
    String v = Reports.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
