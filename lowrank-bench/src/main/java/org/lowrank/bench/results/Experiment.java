package org.lowrank.bench.results;

import java.util.Map;
import org.lowrank.plan.Budget;

/**
 * One row of an experiment, as data: what {@link ExperimentRunner} runs and what its JSON line
 * says.
 *
 * @param id the row plus the options that changed what it measures, e.g. {@code
 *     e1/resnet20/cp/similarity --epochs 2}: the key RESULTS.md shows the latest line of
 * @param row the row alone, e.g. {@code e1/resnet20/cp/similarity}
 * @param number the experiment, 1..5
 * @param kind what the runner does
 * @param model {@code resnet20}, {@code resnet56} or {@code vgg}; "" when none
 * @param method a key of {@link Experiments#CONV_METHODS} or {@link Experiments#FC_METHODS}; ""
 *     when none
 * @param selector a selector name; "" when none
 * @param layers {@code conv} or {@code fc} for experiment 2 (the layer type factorized); "" else
 * @param budget the budget; null for experiment 2's budgeted rows (derived from the model's layer
 *     sizes and the published share, see {@link ExperimentRunner})
 * @param settings the settings every row of the run shares (recorded in each line)
 * @param command the command that reruns this row alone
 */
public record Experiment(
    String id,
    String row,
    int number,
    Kind kind,
    String model,
    String method,
    String selector,
    String layers,
    Budget budget,
    Map<String, Object> settings,
    String command) {

  /** What running a row means. */
  public enum Kind {
    /** Experiment 1's reference: the original fine-tuned with the rows' schedule. */
    REFERENCE,
    /** Experiment 1: plan (timed), compress, evaluate, fine-tune, ONNX Runtime latency. */
    FINE_TUNED,
    /** Experiment 2: the Fashion-MNIST VGG, one layer type factorized, fine-tuned. */
    FASHION,
    /** Experiment 3: plan (timed), compress, evaluate before fine-tuning. */
    BEFORE_FINE_TUNING,
    /** Experiment 4: decomposition speed ({@code ./bench decompositions --quick}), many rows. */
    DECOMPOSITIONS,
    /** Experiment 4: executor training and inference throughput. */
    THROUGHPUT,
    /** Experiment 5: planning only, timed against issue 5's goal. */
    PLAN_ONLY
  }
}
