package org.lowrank.cli;

import java.util.Locale;
import org.lowrank.train.finetune.FineTuneSettings;
import org.lowrank.train.finetune.OptimizerKind;
import picocli.CommandLine.Option;

/** The fine-tuning options shared by {@code compress} and {@code finetune}. */
public final class FineTuneOptions {
  @Option(
      names = "--lr",
      paramLabel = "LR",
      description = "Peak learning rate (default: 0.003 with adam, 0.01 with sgd).")
  Double lr;

  @Option(
      names = "--warmup",
      paramLabel = "F",
      defaultValue = "0.05",
      description =
          "Fraction of the fine-tuning steps over which the learning rate rises linearly to its peak, then cosine decay (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(
      names = "--batch-size",
      paramLabel = "B",
      defaultValue = "64",
      description = "Fine-tuning batch size (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--optimizer",
      paramLabel = "sgd|adam",
      defaultValue = "adam",
      description = "SGD with Nesterov momentum or AdamW (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(
      names = "--train-limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Fine-tune on at most N training images (0 = all).")
  int trainLimit;

  @Option(
      names = "--augment",
      description =
          "Random crop and flip while fine-tuning and in the distillation of --factorize "
              + "data-distill (natural images).")
  boolean augment;

  @Option(
      names = "--layer-weight",
      paramLabel = "W",
      description =
          "Weight of the distillation term "
              + "that matches each factorized layer's output to the original layer's (default: "
              + "the product's, 0.5; 0 = no layer matching).")
  Double layerWeight;

  @Option(
      names = "--kd-weight",
      paramLabel = "W",
      description =
          "Weight in [0, 1] of the logit "
              + "distillation term; the labels' cross-entropy gets 1 - W (default: the product's, 0: "
              + "labels plus layer outputs).")
  Double kdWeight;

  @Option(
      names = "--val-images",
      paramLabel = "N",
      description =
          "Hold out N training images "
              + "(seeded, at most 5%% of the training split, never the test split) to keep the best "
              + "fine-tuning checkpoint and to keep the model as it was when fine-tuning made it worse; "
              + "0 = no validation (default: 1000).")
  Integer valImages;

  @Option(
      names = "--weight-distill",
      paramLabel = "W",
      description =
          "Weight of the RENE "
              + "weight-distillation term: mean squared difference between each factorized layer's "
              + "original weight and the product of its factors (default: 0 = off).")
  Double weightDistill;

  @Option(
      names = "--weight-decay",
      paramLabel = "WD",
      description = "Weight decay (default: 1e-4 " + "decoupled with adam, 5e-4 with sgd).")
  Double weightDecay;

  /**
   * The settings these options give: the optimizer's default learning rate and weight decay unless
   * --lr is given.
   *
   * @param epochs passes over the data (used when {@code steps} is 0; at least 1)
   * @param steps optimizer steps instead of epochs (0 = use epochs)
   * @param distill distill from a teacher
   */
  FineTuneSettings settings(int epochs, long steps, boolean distill) {
    FineTuneSettings f =
        FineTuneSettings.epochs(Math.max(epochs, 1))
            .withSteps(steps)
            .withBatchSize(batchSize)
            .withOptimizer(parseOptimizer(optimizer))
            .withTrainLimit(trainLimit)
            .withAugmentation(augment)
            .withDistillation(distill)
            .withWarmup(warmup);
    if (layerWeight != null) {
      f = f.withLayerWeight(layerWeight);
    }
    if (kdWeight != null) {
      f = f.withKdWeight(kdWeight);
    }
    if (weightDecay != null) {
      f = f.withWeightDecay(weightDecay);
    }
    if (valImages != null) {
      f = f.withValidationImages(valImages);
    }
    if (weightDistill != null) {
      f = f.withWeightDistillation(weightDistill);
    }
    return lr != null ? f.withLearningRate(lr) : f;
  }

  /** "adam" (AdamW) or "sgd" (Nesterov); anything else is a bad-input error. */
  static OptimizerKind parseOptimizer(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "adam", "adamw" -> OptimizerKind.ADAM;
      case "sgd" -> OptimizerKind.SGD_NESTEROV;
      default ->
          throw new IllegalArgumentException(
              "--optimizer: expected adam or sgd, found '" + name + "'");
    };
  }
}
