package org.lowrank.demo;

import java.util.List;
import org.lowrank.graph.Model;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.finetune.FineTuneListener;

/**
 * Outcome of {@link DemoTrainer#train}.
 *
 * @param model the trained model (weights after the last step)
 * @param test top-1 / top-5 / mean cross-entropy on the test images
 * @param epochs passes over the training data
 * @param trainImages images processed by training (epochs x training set size)
 * @param trainSeconds wall time of training
 * @param evalSeconds wall time of the test evaluation
 * @param history per-epoch training loss and accuracy
 */
public record DemoTrainingResult(
    Model model,
    EvaluationResult test,
    int epochs,
    long trainImages,
    double trainSeconds,
    double evalSeconds,
    List<FineTuneListener.EpochEvent> history) {

  public DemoTrainingResult {
    history = List.copyOf(history);
  }

  /** Test top-1 accuracy in [0, 1]. */
  public double testTop1() {
    return test.top1();
  }

  /** Training throughput: trainImages / trainSeconds (forward, backward and update). */
  public double trainImagesPerSecond() {
    return trainImages / trainSeconds;
  }
}
