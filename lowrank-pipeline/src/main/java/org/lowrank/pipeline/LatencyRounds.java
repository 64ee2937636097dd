package org.lowrank.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.LatencyBudget;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.LatencyBenchmark;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.runtime.LatencyResult;
import org.lowrank.runtime.OrtLayerTimer;
import org.lowrank.runtime.RandomFactors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans under a latency budget in rounds: plan with the layer timings ({@link OrtLayerTimer}),
 * measure the whole planned model against the original in ONNX Runtime (interleaved, CPU time; the
 * factors random of the planned shapes, since run time does not depend on values, so no
 * decomposition is computed), and when it misses the budget at some batch size, fold the measured
 * error into the targets ({@link LatencyBudget#corrected}) and plan again: at most {@link
 * #MAX_ROUNDS} rounds. The plan settings record each round ({@code latency_rounds}) and the whole
 * model's measured ratio of the chosen plan ({@code latency_measured_ratio}); the compressed
 * model's own latency is measured again after the rewrite (the pipeline's measure stage).
 */
final class LatencyRounds {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyRounds.class);

  /** Plans at most this many times. */
  static final int MAX_ROUNDS = 3;

  private LatencyRounds() {}

  /** Measures a plan's whole model against the original: factorized/original per batch. */
  @FunctionalInterface
  interface WholeModel {
    double[] ratios(Plan plan);
  }

  /**
   * The rounds.
   *
   * @param first the first round's budget
   * @param planner plans under a budget
   * @param measure the whole planned model's measured time ratio per batch of {@code first}
   * @return the first plan meeting the budget at every batch, else the one closest to it (the
   *     smallest worst ratio), its settings recording every round
   */
  static Plan run(LatencyBudget first, Function<LatencyBudget, Plan> planner, WholeModel measure) {
    return runPlans(
        first,
        planner,
        measure,
        first.keepFraction(),
        LatencyBudget::corrected,
        lb -> rounded(lb.correction()),
        "latency budget " + first.keepFraction());
  }

  /**
   * Rounds of a per-layer latency cap ({@code --prune-latency R}, and the default without a
   * budget): the whole planned model must not be slower than the original (ratio &lt;= 1 at each
   * measured batch); when it is (the layers' reorders and neighbours add up), the cap is multiplied
   * by 1 / r_worst and the model planned again.
   *
   * @param cap the first round's per-layer cap R
   * @param planner plans with a per-layer cap
   */
  static Plan runCap(double cap, Function<Double, Plan> planner, WholeModel measure) {
    return runPlans(
        cap,
        planner,
        measure,
        1.0,
        (c, r) -> c * Math.min(1, 1 / Arrays.stream(r).max().orElse(1)),
        c -> rounded(new double[] {c}),
        "not slower than the original (per-layer cap " + cap + ")");
  }

  /**
   * Rounds of pruning alone under a latency budget: the knob is the fraction of the original's MACs
   * the allocator prunes to, first {@code keepLatency} (a pruned convolution's time follows its
   * MACs). When the pruned model, keeping m of the MACs, measures r_worst &gt; keepLatency of the
   * original's time, the next round asks for min(knob, m) x keepLatency / r_worst: strictly fewer
   * MACs than the last model's, so no round repeats one.
   *
   * @param prune prunes to a MACs fraction
   * @param measure the pruned model's measured time over the original's, per batch
   * @param macsKept the pruned model's MACs over the original's
   * @return the first pruning meeting the budget at every batch, else the closest, with the
   *     settings recording every round
   */
  static <R> Outcome<R> runMacs(
      double keepLatency,
      DoubleFunction<R> prune,
      Function<R, double[]> measure,
      ToDoubleFunction<R> macsKept) {
    List<R> last = new ArrayList<>();
    return run(
        keepLatency,
        f -> {
          R r = prune.apply(f);
          last.add(r);
          return r;
        },
        measure,
        keepLatency,
        (f, r) ->
            Math.min(f, macsKept.applyAsDouble(last.get(last.size() - 1)))
                * keepLatency
                / Arrays.stream(r).max().orElse(1),
        f -> rounded(new double[] {f}),
        r -> null,
        "latency budget " + keepLatency + " (pruning alone, planned on MACs)");
  }

  /**
   * The result of the rounds: the chosen one and what the plan's settings record of them ({@code
   * latency_rounds}, {@code latency_measured_ratio}, {@code latency_met}).
   */
  record Outcome<R>(R best, Map<String, Object> settings) {}

  /** The rounds over a planning knob {@code S}, their settings added to the chosen plan. */
  private static <S> Plan runPlans(
      S first,
      Function<S, Plan> planner,
      WholeModel measure,
      double target,
      java.util.function.BiFunction<S, double[], S> correct,
      Function<S, List<Double>> describe,
      String goal) {
    Outcome<Plan> o =
        run(
            first,
            planner,
            measure::ratios,
            target,
            correct,
            describe,
            p -> p.settings().get("latency_predicted_ms"),
            goal);
    return o.best().withSettings(o.settings());
  }

  /**
   * The rounds, over a planning knob {@code S} whose outcome is an {@code R}.
   *
   * @param target the most measured ratio (planned / original time) allowed at every batch
   * @param correct the next round's knob given the measured ratios
   * @param describe the knob as recorded in the plan settings
   * @param predicted the round's predicted milliseconds to record, or null
   * @return the first outcome meeting the target, else the one closest to it (the smallest worst
   *     ratio), with the settings recording every round
   */
  private static <S, R> Outcome<R> run(
      S first,
      Function<S, R> planner,
      Function<R, double[]> measure,
      double target,
      java.util.function.BiFunction<S, double[], S> correct,
      Function<S, List<Double>> describe,
      Function<R, Object> predicted,
      String goal) {
    S knob = first;
    R best = null;
    double bestWorst = Double.POSITIVE_INFINITY;
    double[] bestRatio = null;
    List<Map<String, Object>> rounds = new ArrayList<>();
    for (int round = 1; round <= MAX_ROUNDS; round++) {
      R p;
      try {
        p = planner.apply(knob);
      } catch (IllegalArgumentException e) {
        if (best == null) {
          throw e;
        }
        LOG.warn("latency round {}: {}; keeping an earlier round's plan", round, e.getMessage());
        break;
      }
      double[] r = measure.apply(p);
      double worst = Arrays.stream(r).max().orElse(Double.NaN);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("round", (long) round);
      row.put("correction", describe.apply(knob));
      Object ms = predicted.apply(p);
      if (ms != null) {
        row.put("predicted_ms", ms);
      }
      row.put("measured_ratio", rounded(r));
      rounds.add(row);
      LOG.info(
          "latency round {}: whole planned model measured {} of the original's time (goal: {})",
          round,
          rounded(r),
          goal);
      if (worst < bestWorst) {
        best = p;
        bestWorst = worst;
        bestRatio = r;
      }
      if (worst <= target) {
        break;
      }
      knob = correct.apply(knob, r);
    }
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("latency_rounds", rounds);
    settings.put("latency_measured_ratio", rounded(bestRatio));
    settings.put("latency_met", bestWorst <= target);
    if (bestWorst > target) {
      LOG.warn(
          "{} missed after {} rounds: the best plan measured {} of the original's time; allow "
              + "smaller ranks, more layers, or a larger fraction",
          goal,
          rounds.size(),
          rounded(bestRatio));
    }
    return new Outcome<>(best, settings);
  }

  /**
   * The whole-model measurement of a plan: the original against its rewrite with random factors of
   * the planned ranks, interleaved, CPU time of the calling thread when available.
   */
  static WholeModel ort(
      Model original,
      List<LayerInput> layers,
      InputShapes inputs,
      int[] batches,
      LatencyBenchmark.Settings settings) {
    return ort(original, original, layers, inputs, batches, settings);
  }

  /**
   * The whole-model measurement of a plan of {@code base} (e.g. a pruned model) against {@code
   * reference} (the model before pruning): the ratio a latency budget of the original is met on.
   */
  static WholeModel ort(
      Model reference,
      Model base,
      List<LayerInput> layers,
      InputShapes inputs,
      int[] batches,
      LatencyBenchmark.Settings settings) {
    byte[] originalBytes = OnnxWriter.toBytes(reference);
    Map<String, LayerInput> byName = new LinkedHashMap<>();
    layers.forEach(l -> byName.put(l.name(), l));
    return plan -> {
      Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
      for (LayerDecision d : plan.layers()) {
        if (d.isFactorized()) {
          specs.put(
              d.layer(),
              RandomFactors.of(byName.get(d.layer()).geometry(), d.choice(), settings.seed()));
        }
      }
      return ratios(
          originalBytes, LayerRewriter.rewriteAll(base, specs), inputs, batches, settings);
    };
  }

  /**
   * {@code model}'s measured time over the reference's at each batch: the two timed side by side
   * (interleaved), CPU time of the calling thread when available.
   *
   * @param reference the reference model's ONNX bytes
   */
  static double[] ratios(
      byte[] reference,
      Model model,
      InputShapes inputs,
      int[] batches,
      LatencyBenchmark.Settings settings) {
    LatencyComparison c =
        LatencyBenchmark.compare(
            "planned model",
            reference,
            OnnxWriter.toBytes(model),
            Double.NaN,
            inputs,
            batches,
            settings);
    double[] r = new double[batches.length];
    for (int b = 0; b < r.length; b++) {
      LatencyComparison.Row row = c.rows().get(b);
      r[b] = 1.0 / (Double.isNaN(row.cpuSpeedup()) ? row.speedup() : row.cpuSpeedup());
    }
    return r;
  }

  /** The original model's milliseconds per run at each batch (CPU time when available). */
  static double[] modelMillis(
      Model original, InputShapes inputs, int[] batches, LatencyBenchmark.Settings settings) {
    byte[] bytes = OnnxWriter.toBytes(original);
    double[] out = new double[batches.length];
    for (int b = 0; b < batches.length; b++) {
      LatencyResult r = LatencyBenchmark.measure(bytes, inputs, batches[b], settings);
      out[b] = Double.isNaN(r.cpuMedianMillis()) ? r.medianMillis() : r.cpuMedianMillis();
    }
    return out;
  }

  private static List<Double> rounded(double[] v) {
    return Arrays.stream(v).map(x -> Math.round(x * 1e4) / 1e4).boxed().toList();
  }
}
