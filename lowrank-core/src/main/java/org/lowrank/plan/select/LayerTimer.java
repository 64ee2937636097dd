package org.lowrank.plan.select;

import org.lowrank.cost.Choice;

/**
 * Measured run time of one layer in the target runtime, original against a factorization, timed
 * side by side (interleaved) so that their ratio holds on a busy machine. Implemented in
 * lowrank-runtime on ONNX Runtime with an on-disk cache; injected as a fake in tests.
 */
@FunctionalInterface
public interface LayerTimer {

  /** One paired measurement, milliseconds per run at one batch size. */
  record Timing(double originalMillis, double factorizedMillis) {
    /** factorized / original: below 1 = the factorization is faster. */
    public double ratio() {
      return factorizedMillis / originalMillis;
    }
  }

  /**
   * Times {@code choice} of {@code layer} against the original layer at batch size {@code batch}.
   */
  Timing time(LayerInput layer, Choice choice, int batch);
}
