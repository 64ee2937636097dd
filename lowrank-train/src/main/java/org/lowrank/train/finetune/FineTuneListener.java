package org.lowrank.train.finetune;

import org.lowrank.train.eval.EvaluationResult;

/** Progress of a fine-tuning run; all methods default to no-ops. Called on the training thread. */
public interface FineTuneListener {

  /** After every optimizer step. */
  default void onStep(StepEvent e) {}

  /** After every epoch (and its validation, if configured). */
  default void onEpoch(EpochEvent e) {}

  /** After every evaluation of the validation data. */
  default void onValidation(FineTuneResult.ValidationPoint p) {}

  /** When something goes wrong (divergence, a retry, the original model kept); also logged. */
  default void onWarning(FineTuneWarning w) {}

  /**
   * One step.
   *
   * @param loss total loss of the batch; {@code crossEntropy} its label term
   * @param batchTop1 training accuracy of the batch (train mode)
   */
  record StepEvent(
      int epoch,
      long step,
      long totalSteps,
      double loss,
      double crossEntropy,
      double batchTop1,
      double learningRate,
      double gradientNorm,
      double imagesPerSecond) {}

  /**
   * One epoch.
   *
   * @param validation result on the validation data, or null when none is configured
   * @param best true when this epoch gave the best validation accuracy so far (its weights kept)
   */
  record EpochEvent(
      int epoch,
      long steps,
      double trainLoss,
      double trainTop1,
      EvaluationResult validation,
      boolean best,
      double seconds) {}
}
