package org.lowrank.plan.select;

import java.util.Arrays;
import java.util.Objects;

/**
 * A budget on measured latency: keep at most {@code keepFraction} of the original model's measured
 * time at every batch size of {@code batches}, predicted as t_model = t_fixed + sum_i t_i(c_i) with
 * t_i the layer's time in its chosen form (the original layer's time, times the measured
 * factorized/original ratio of the candidate) and t_fixed = t_measured_model - sum_i t_i(original)
 * the time of everything not selected.
 *
 * <p>{@code correction} folds the error of an earlier round in: the whole planned model measured
 * r_b of the original where f was asked, so the next round aims at f * correction_b, with
 * correction_b multiplied by f / r_b each round (1 = first round).
 *
 * @param keepFraction f in (0, 1]: e.g. 0.5 asks for a 2x speed-up
 * @param batches the batch sizes timed (each &gt;= 1)
 * @param modelMillis the original whole model's measured milliseconds per run, per batch
 * @param correction per batch target scale (see above)
 * @param timer the layer timer
 */
public record LatencyBudget(
    double keepFraction,
    int[] batches,
    double[] modelMillis,
    double[] correction,
    LayerTimer timer) {
  public LatencyBudget {
    if (!(keepFraction > 0 && keepFraction <= 1)) {
      throw new IllegalArgumentException(
          "a latency budget keeps a fraction of the original's time in (0, 1], found "
              + keepFraction
              + ": e.g. --keep-latency 0.5 asks for a 2x speed-up");
    }
    batches = batches.clone();
    modelMillis = modelMillis.clone();
    correction = correction.clone();
    if (batches.length == 0
        || modelMillis.length != batches.length
        || correction.length != batches.length) {
      throw new IllegalArgumentException(
          "latency budget: one model time and one correction per batch size, found batches "
              + Arrays.toString(batches)
              + ", times "
              + Arrays.toString(modelMillis)
              + ", corrections "
              + Arrays.toString(correction));
    }
    Objects.requireNonNull(timer, "timer");
  }

  /** A first-round budget (no correction). */
  public static LatencyBudget of(
      double keepFraction, int[] batches, double[] modelMillis, LayerTimer timer) {
    double[] ones = new double[batches.length];
    Arrays.fill(ones, 1.0);
    return new LatencyBudget(keepFraction, batches, modelMillis, ones, timer);
  }

  /** The target time at batch index {@code b}: f * t_model_b * correction_b. */
  public double targetMillis(int b) {
    return keepFraction * modelMillis[b] * correction[b];
  }

  /**
   * The next round's budget, given the whole planned model measured {@code measuredRatio[b]} of the
   * original: each batch's correction multiplied by f / r_b where r_b &gt; f (unchanged elsewhere).
   */
  public LatencyBudget corrected(double[] measuredRatio) {
    double[] c = correction.clone();
    for (int b = 0; b < c.length; b++) {
      if (measuredRatio[b] > keepFraction) {
        c[b] *= keepFraction / measuredRatio[b];
      }
    }
    return new LatencyBudget(keepFraction, batches, modelMillis, c, timer);
  }

  @Override
  public int[] batches() {
    return batches.clone();
  }

  @Override
  public double[] modelMillis() {
    return modelMillis.clone();
  }

  @Override
  public double[] correction() {
    return correction.clone();
  }
}
