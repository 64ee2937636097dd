package org.lowrank.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.graph.Model;
import org.lowrank.plan.Plan;
import org.lowrank.report.CompressionReport;
import org.lowrank.runtime.ExportCheckResult;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.finetune.FineTuneResult;
import org.lowrank.train.refit.OutputReconstruction;

/**
 * What a pipeline run produced.
 *
 * @param original the model as read
 * @param compressed the rewritten (and possibly fine-tuned) model
 * @param plan the plan that was applied
 * @param before the original model's profile
 * @param after the compressed model's profile (measured on the rewritten graph, not predicted)
 * @param rewriteCheck ONNX Runtime outputs of the compressed model vs the original graph carrying
 *     the factors' dense reconstructions (before fine-tuning): checks the rewrite itself
 * @param fidelity the final model against the original in ONNX Runtime, and the guard's verdict
 * @param latency original vs compressed latency in ONNX Runtime, or null when not measured
 * @param output where the compressed model was written (OUT.rejected.onnx when it failed the guard
 *     without force), or null
 * @param accuracy test accuracy at each {@link Checkpoint} that was evaluated, in run order
 * @param fineTune the fine-tuning run, or null
 * @param refit output reconstruction of the factorized layers' last factors on calibration images
 *     (before fine-tuning), per layer; empty when it did not run
 * @param stageSeconds wall time per stage that ran, in stage order
 * @param seed the seed of every random step
 * @param pruning the channel groups filter pruning decided on before factorization, or null
 */
public record CompressionResult(
    Model original,
    Model compressed,
    Plan plan,
    ModelProfile before,
    ModelProfile after,
    ExportCheckResult rewriteCheck,
    Fidelity fidelity,
    LatencyComparison latency,
    Path output,
    Map<Checkpoint, EvaluationResult> accuracy,
    FineTuneResult fineTune,
    List<OutputReconstruction.LayerFit> refit,
    Map<Stage, Double> stageSeconds,
    long seed,
    CompressionReport.Pruning pruning) {

  public CompressionResult {
    refit = List.copyOf(refit);
    accuracy = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(accuracy));
    stageSeconds =
        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stageSeconds));
  }

  /** Largest difference the rewrite check tolerates before it warns. */
  public static final double REWRITE_TOLERANCE = 1e-3;

  /**
   * A measured speed-up below this (median wall time, original / compressed) is reported as a
   * {@link PipelineWarning.Kind#SLOWER} warning; the 5% margin keeps timing noise on a shared
   * machine from crying wolf.
   */
  public static final double SLOWER_THAN = 0.95;

  /**
   * What the user should know about this run, in report order: latency batches other than asked,
   * factorized layers that do not lower their cost, fine-tuning trouble, a failed rewrite check.
   */
  public List<PipelineWarning> warnings() {
    List<PipelineWarning> out = new java.util.ArrayList<>();
    if (latency != null && !latency.note().isEmpty()) {
      out.add(PipelineWarning.of(PipelineWarning.Kind.LATENCY_BATCH, latency.note()));
    }
    if (latency != null) {
      for (org.lowrank.runtime.LatencyComparison.Row row : latency.rows()) {
        if (row.speedup() < SLOWER_THAN) {
          out.add(
              PipelineWarning.of(
                  PipelineWarning.Kind.SLOWER,
                  String.format(
                      java.util.Locale.ROOT,
                      "the compressed model runs %.2fx as fast as the original at batch %d (%d"
                          + " thread(s), median of %d runs); fewer parameters did not make it"
                          + " faster here: budget the measured time (--keep-latency), drop"
                          + " candidates slower than the original layer (--prune-latency), or keep"
                          + " the original",
                      row.speedup(),
                      row.batchSize(),
                      row.rewritten().intraOpThreads(),
                      row.rewritten().runs())));
        }
      }
    }
    for (org.lowrank.plan.LayerDecision d : plan.layers()) {
      if (d.isFactorized() && !d.lowersCost()) {
        out.add(new PipelineWarning(PipelineWarning.Kind.COST_NOT_LOWERED, d.layer(), d.note()));
      }
    }
    if (fineTune != null) {
      for (org.lowrank.train.finetune.FineTuneWarning w : fineTune.warnings()) {
        out.add(PipelineWarning.of(PipelineWarning.Kind.FINE_TUNING, w.message()));
      }
    }
    if (!rewriteCheck.passes(REWRITE_TOLERANCE)) {
      out.add(PipelineWarning.of(PipelineWarning.Kind.REWRITE_CHECK, rewriteCheck.toString()));
    }
    return out;
  }

  /** Fraction of parameters removed, 0..1. */
  public double paramsRemoved() {
    return 1.0 - (double) after.totalParams() / before.totalParams();
  }

  /** Fraction of MACs removed, 0..1. */
  public double flopsRemoved() {
    return 1.0 - (double) after.totalMacs() / before.totalMacs();
  }
}
