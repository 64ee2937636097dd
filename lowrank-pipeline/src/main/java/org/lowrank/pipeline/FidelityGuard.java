package org.lowrank.pipeline;

/**
 * What a compressed model must keep for {@code compress} to call the run a success.
 *
 * <ul>
 *   <li>With labelled test data: top-1 may fall by at most {@code maxDrop} percentage points
 *       (original - final, both on the same evaluation images, the final model run in ONNX
 *       Runtime).
 *   <li>Without labels: the top-1 agreement with the original on the fidelity inputs must be at
 *       least {@code minAgreement}; for a model whose output is not [N, classes], the relative
 *       output error ||y_c - y_o||_F / ||y_o||_F must be at most {@code maxOutputError}.
 * </ul>
 *
 * A model with a non-finite output never passes. {@code force} writes a failing model where a
 * passing one would go (the report still says it failed).
 *
 * @param maxDrop allowed top-1 drop in points (default {@value #DEFAULT_MAX_DROP})
 * @param minAgreement required top-1 agreement in [0, 1] (default {@value #DEFAULT_MIN_AGREEMENT})
 * @param maxOutputError allowed relative output error for non-classifiers (default {@value
 *     #DEFAULT_MAX_OUTPUT_ERROR})
 * @param force keep a failing model at the requested output path
 */
public record FidelityGuard(
    double maxDrop, double minAgreement, double maxOutputError, boolean force) {
  /** One point of top-1: below the noise of most fine-tuning runs, above that of a 10k test set. */
  public static final double DEFAULT_MAX_DROP = 1.0;

  /**
   * 95% of predictions unchanged: stricter than the accuracy guard since agreement is not accuracy.
   */
  public static final double DEFAULT_MIN_AGREEMENT = 0.95;

  /** 10% relative output error, for models that are not classifiers. */
  public static final double DEFAULT_MAX_OUTPUT_ERROR = 0.1;

  public FidelityGuard {
    if (!(maxDrop >= 0 && maxDrop <= 100)) {
      throw new IllegalArgumentException(
          "--max-drop is in accuracy points, 0..100; found " + maxDrop);
    }
    if (!(minAgreement >= 0 && minAgreement <= 1)) {
      throw new IllegalArgumentException(
          "--min-agreement is a fraction in [0, 1] (0.95 = 95% of predictions unchanged); found "
              + minAgreement);
    }
    if (!(maxOutputError >= 0 && Double.isFinite(maxOutputError))) {
      throw new IllegalArgumentException(
          "--max-output-error is a relative error >= 0; found " + maxOutputError);
    }
  }

  public static FidelityGuard defaults() {
    return new FidelityGuard(
        DEFAULT_MAX_DROP, DEFAULT_MIN_AGREEMENT, DEFAULT_MAX_OUTPUT_ERROR, false);
  }

  public FidelityGuard withForce(boolean v) {
    return new FidelityGuard(maxDrop, minAgreement, maxOutputError, v);
  }
}
