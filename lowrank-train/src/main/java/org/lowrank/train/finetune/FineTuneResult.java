package org.lowrank.train.finetune;

import java.util.List;
import org.lowrank.graph.Model;

/**
 * Outcome of fine-tuning.
 *
 * @param model the model to use: the best checkpoint by validation top-1 (the last weights when
 *     there is no validation data), or the pre-fine-tune model when {@code keptOriginal}
 * @param lastModel the weights after the last step of the last run
 * @param bestEpoch 0-based epoch of the best checkpoint, -1 without validation data
 * @param bestValidationTop1 validation top-1 of the best checkpoint, NaN without validation data
 *     (below {@code validationTop1Before} when the original was kept for that reason)
 * @param epochs per-epoch statistics of the last run
 * @param steps optimizer steps taken, over all runs (a retry starts again from step 0)
 * @param seconds wall time, validation included
 * @param validationTop1Before validation top-1 of the model before fine-tuning, NaN without
 *     validation data
 * @param bestStep optimizer steps taken (in its run) when the best checkpoint was saved, -1 without
 *     validation data
 * @param keptOriginal true when {@code model} is the pre-fine-tune model (see {@code warnings})
 * @param retried true when the first run diverged and a second one ran at a lower learning rate
 * @param learningRate peak learning rate of the last run
 * @param validations every validation of the last run, in order
 * @param warnings what went wrong, in order (empty when the run went as planned)
 */
public record FineTuneResult(
    Model model,
    Model lastModel,
    int bestEpoch,
    double bestValidationTop1,
    List<FineTuneListener.EpochEvent> epochs,
    long steps,
    double seconds,
    double validationTop1Before,
    long bestStep,
    boolean keptOriginal,
    boolean retried,
    double learningRate,
    List<ValidationPoint> validations,
    List<FineTuneWarning> warnings) {

  public FineTuneResult {
    epochs = List.copyOf(epochs);
    validations = List.copyOf(validations);
    warnings = List.copyOf(warnings);
  }

  /**
   * One evaluation of the validation data.
   *
   * @param epoch 0-based epoch during which it ran
   * @param step optimizer steps taken before it (in its run)
   * @param top1 validation top-1
   * @param meanLoss validation cross-entropy
   * @param best true when it was the best so far (its weights were kept)
   */
  public record ValidationPoint(int epoch, long step, double top1, double meanLoss, boolean best) {}
}
