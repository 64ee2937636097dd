package org.lowrank.train.finetune;

import java.util.List;
import org.lowrank.graph.Model;

/**
 * Outcome of fine-tuning.
 *
 * @param model the best checkpoint by validation top-1 (the last weights when there is no
 *     validation data)
 * @param lastModel the weights after the last step
 * @param bestEpoch 0-based epoch of {@code model}, -1 if it is the last state without validation
 * @param bestValidationTop1 validation top-1 of {@code model}, NaN without validation data
 * @param epochs per-epoch statistics
 * @param steps optimizer steps taken
 * @param seconds wall time
 */
public record FineTuneResult(
    Model model, Model lastModel, int bestEpoch, double bestValidationTop1,
    List<FineTuneListener.EpochEvent> epochs, long steps, double seconds) {

  public FineTuneResult {
    epochs = List.copyOf(epochs);
  }
}
