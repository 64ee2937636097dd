package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank.cost.Cost;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The allocation of a plan with a {@link LatencyBudget}: every candidate of every selected layer is
 * timed against its original layer ({@link LayerTimer}) at each batch size, and the {@link
 * BudgetAllocator} meets the parameter/FLOP budget (if any) and one time constraint per batch size
 * together. A candidate's predicted time is t_orig_i * (factorized/original ratio measured side by
 * side), with t_orig_i the median of the layer's original times over its paired timings. When the
 * layers timed alone add up to more than the whole model (each alone pays its own layout reorders
 * and session overhead), their times are scaled down to the model's: the budget then holds on the
 * sum of the layers' times, sum_i t_i(c_i) &lt;= f * sum_i t_i(original).
 */
final class LatencyPlanning {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyPlanning.class);

  private LatencyPlanning() {}

  /**
   * Allocates under the request's budget and latency budget; records in {@code settings}: {@code
   * latency_keep}, {@code latency_batches}, {@code latency_model_ms} (measured), {@code
   * latency_correction} and {@code latency_predicted_ms} (a prediction, for the re-plan loop; the
   * report's figures are measured after the rewrite).
   */
  static List<Candidate> allocate(
      Planner.Request req,
      List<BudgetAllocator.LayerOptions> options,
      Cost fixed,
      Map<String, Object> settings) {
    LatencyBudget lb = req.latency();
    int[] batches = lb.batches();
    int nb = batches.length;
    // per layer: candidate -> ratio per batch; original time per batch
    List<Map<Candidate, double[]>> ratios = new ArrayList<>();
    double[][] originalMillis = new double[options.size()][nb];
    long t0 = System.nanoTime();
    int timings = 0;
    for (int i = 0; i < options.size(); i++) {
      LayerInput l = req.layers().get(i);
      Map<Candidate, double[]> r = new HashMap<>();
      List<List<Double>> origs = new ArrayList<>();
      for (int b = 0; b < nb; b++) {
        origs.add(new ArrayList<>());
      }
      for (Candidate c : options.get(i).candidates()) {
        if (c.isOriginal()) {
          continue;
        }
        double[] v = new double[nb];
        for (int b = 0; b < nb; b++) {
          LayerTimer.Timing t = lb.timer().time(l, c.choice(), batches[b]);
          timings++;
          v[b] = t.ratio();
          origs.get(b).add(t.originalMillis());
        }
        r.put(c, v);
      }
      for (int b = 0; b < nb; b++) {
        originalMillis[i][b] = median(origs.get(b));
      }
      ratios.add(r);
    }
    double[] fixedMillis = new double[nb];
    double[] scale = new double[nb];
    List<BudgetAllocator.Constraint> cs = new ArrayList<>();
    if (!req.budget().isNone()) {
      var kind = req.budget().kind();
      cs.add(
          new BudgetAllocator.Constraint(
              kind.name().toLowerCase(Locale.ROOT),
              (i, c) -> c.cost().get(kind),
              fixed.get(kind),
              req.budget().target(req.modelTotal())));
    }
    for (int b = 0; b < nb; b++) {
      final int bi = b;
      double layers = 0;
      for (int i = 0; i < options.size(); i++) {
        layers += Double.isNaN(originalMillis[i][b]) ? 0 : originalMillis[i][b];
      }
      fixedMillis[b] = lb.modelMillis()[b] - layers;
      scale[b] = 1;
      if (fixedMillis[b] < 0) {
        scale[b] = lb.modelMillis()[b] / layers;
        LOG.info(
            "batch {}: the selected layers timed alone take {} ms, more than the whole model's {} ms"
                + " (layout reorders around a lone layer, session overhead); layer times scaled by {}"
                + " and the rest of the model counted as 0 ms",
            batches[b],
            fmt(layers),
            fmt(lb.modelMillis()[b]),
            fmt(scale[b]));
        fixedMillis[b] = 0;
      }
      cs.add(
          new BudgetAllocator.Constraint(
              "latency at batch " + batches[b] + " (ms)",
              (i, c) -> scale[bi] * millis(c, ratios.get(i), originalMillis[i], bi),
              fixedMillis[b],
              lb.targetMillis(b)));
    }
    LOG.info(
        "latency budget: {} paired layer timings in {} s",
        timings,
        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    List<Candidate> picked = BudgetAllocator.allocate(options, cs);
    double[] predicted = fixedMillis.clone();
    for (int i = 0; i < picked.size(); i++) {
      for (int b = 0; b < nb; b++) {
        predicted[b] += scale[b] * millis(picked.get(i), ratios.get(i), originalMillis[i], b);
      }
    }
    settings.put("latency_keep", lb.keepFraction());
    settings.put("latency_batches", Arrays.stream(batches).mapToObj(x -> (long) x).toList());
    settings.put("latency_model_ms", round(lb.modelMillis()));
    settings.put("latency_correction", round(lb.correction()));
    settings.put("latency_predicted_ms", round(predicted));
    settings.put("latency_layer_timings", (long) timings);
    return picked;
  }

  /** A candidate's predicted time at batch index b (the original's for the original). */
  private static double millis(
      Candidate c, Map<Candidate, double[]> ratios, double[] originalMillis, int b) {
    double orig = Double.isNaN(originalMillis[b]) ? 0 : originalMillis[b];
    return c.isOriginal() ? orig : ratios.get(c)[b] * orig;
  }

  private static double median(List<Double> v) {
    if (v.isEmpty()) {
      return Double.NaN;
    }
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private static List<Double> round(double[] v) {
    return Arrays.stream(v).map(x -> Math.round(x * 1e4) / 1e4).boxed().toList();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
