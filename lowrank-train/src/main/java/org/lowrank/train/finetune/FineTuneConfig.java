package org.lowrank.train.finetune;

import java.util.List;
import java.util.Objects;
import org.lowrank.graph.Model;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.exec.DeviceChoice;

/**
 * Settings of a fine-tuning run, built with {@link #builder()}: {@code setX} for required values
 * (none), {@code optX} for optional ones, {@code build()} validates. Defaults: SGD with Nesterov
 * momentum 0.9, learning rate 0.01 with cosine decay to 0, no warm-up, weight decay 5e-4 on weights
 * of rank >= 2 only, one epoch, no gradient clipping, seed 0, no distillation.
 *
 * <p>Loss: L = (1 - kdWeight) CE(s, y) + kdWeight T^2 KL(softmax(t / T) || softmax(s / T)) +
 * layerWeight (1/P) sum_{i=1..P} mean((S_i - D_i)^2), where s / t are student / teacher logits and
 * S_i / D_i the P matched layer outputs (MISSION.md method A uses layerWeight 0.5). The layer term
 * is a mean per element and over the pairs, as in RENE, so its size does not grow with the depth of
 * the network. With {@link Builder#optWeightDistillation} the loss also gets RENE's weight term
 * weightDistillation (1/L) sum_l mean((W_l - What_l)^2) between each factorized layer's original
 * weight and the product of its factors ({@link WeightDistillation}). KL, layer and weight terms
 * need a teacher.
 *
 * <p>Safety net (see {@link FineTuner#run(Model, DataLoader, FineTuneConfig)}): with validation
 * data the best checkpoint is kept and the pre-fine-tune model is returned when fine-tuning made
 * validation top-1 worse; a diverged run is retried once at a tenth of the learning rate.
 */
public final class FineTuneConfig {
  private final OptimizerKind optimizer;
  private final double learningRate;
  private final double minLearningRate;
  private final double momentum;
  private final double weightDecay;
  private final boolean decayAll;
  private final double beta1;
  private final double beta2;
  private final double adamEpsilon;
  private final int epochs;
  private final long steps;
  private final long warmupSteps;
  private final double warmupFraction;
  private final boolean cosine;
  private final double gradientClipNorm;
  private final long seed;
  private final Model teacher;
  private final double temperature;
  private final double kdWeight;
  private final List<LayerPair> layerPairs;
  private final double layerWeight;
  private final List<LayerPair> weightPairs;
  private final double weightDistillation;
  private final DataLoader validation;
  private final long validationInterval;
  private final boolean keepOriginalIfWorse;
  private final boolean retryOnDivergence;
  private final double collapseFraction;
  private final FineTuneListener listener;
  private final List<DeviceChoice> devices;

  private FineTuneConfig(Builder b) {
    optimizer = b.optimizer;
    learningRate = b.learningRate;
    minLearningRate = b.minLearningRate;
    momentum = b.momentum;
    weightDecay = b.weightDecay;
    decayAll = b.decayAll;
    beta1 = b.beta1;
    beta2 = b.beta2;
    adamEpsilon = b.adamEpsilon;
    epochs = b.epochs;
    steps = b.steps;
    warmupSteps = b.warmupSteps;
    warmupFraction = b.warmupFraction;
    cosine = b.cosine;
    gradientClipNorm = b.gradientClipNorm;
    seed = b.seed;
    teacher = b.teacher;
    temperature = b.temperature;
    kdWeight = b.kdWeight;
    layerPairs = List.copyOf(b.layerPairs);
    layerWeight = b.layerWeight;
    weightPairs = List.copyOf(b.weightPairs);
    weightDistillation = b.weightDistillation;
    validation = b.validation;
    validationInterval = b.validationInterval;
    keepOriginalIfWorse = b.keepOriginalIfWorse;
    retryOnDivergence = b.retryOnDivergence;
    collapseFraction = b.collapseFraction;
    listener = b.listener;
    devices = b.devices;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding every setting of this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.optimizer = optimizer;
    b.learningRate = learningRate;
    b.minLearningRate = minLearningRate;
    b.momentum = momentum;
    b.weightDecay = weightDecay;
    b.decayAll = decayAll;
    b.beta1 = beta1;
    b.beta2 = beta2;
    b.adamEpsilon = adamEpsilon;
    b.epochs = epochs;
    b.steps = steps;
    b.warmupSteps = warmupSteps;
    b.warmupFraction = warmupFraction;
    b.cosine = cosine;
    b.gradientClipNorm = gradientClipNorm;
    b.seed = seed;
    b.teacher = teacher;
    b.temperature = temperature;
    b.kdWeight = kdWeight;
    b.layerPairs = layerPairs;
    b.layerWeight = layerWeight;
    b.weightPairs = weightPairs;
    b.weightDistillation = weightDistillation;
    b.validation = validation;
    b.validationInterval = validationInterval;
    b.keepOriginalIfWorse = keepOriginalIfWorse;
    b.retryOnDivergence = retryOnDivergence;
    b.collapseFraction = collapseFraction;
    b.listener = listener;
    b.devices = devices;
    return b;
  }

  /**
   * Where fine-tuning runs: the first of {@link #devices()}; the teacher, the validation passes and
   * the returned weights live there.
   */
  public DeviceChoice device() {
    return devices().get(0);
  }

  /**
   * The devices of data-parallel fine-tuning, one replica of the student each (one device: no data
   * parallelism): those set with {@link Builder#optDevices} or {@link Builder#optDevice}, else
   * {@link DeviceChoice#configuredReplicas()}.
   */
  public List<DeviceChoice> devices() {
    return devices != null ? devices : DeviceChoice.configuredReplicas();
  }

  /** The same settings with the peak and final learning rates multiplied by {@code factor} > 0. */
  public FineTuneConfig withLearningRateScaled(double factor) {
    return toBuilder()
        .optLearningRate(learningRate * factor)
        .optMinLearningRate(minLearningRate * factor)
        .build();
  }

  /** Builder for {@link FineTuneConfig}. */
  public static final class Builder {
    private OptimizerKind optimizer = OptimizerKind.SGD_NESTEROV;
    private double learningRate = 0.01;
    private double minLearningRate;
    private double momentum = 0.9;
    private double weightDecay = 5e-4;
    private boolean decayAll;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double adamEpsilon = 1e-8;
    private int epochs = 1;
    private long steps;
    private long warmupSteps = -1;
    private double warmupFraction;
    private boolean cosine = true;
    private double gradientClipNorm;
    private long seed;
    private Model teacher;
    private double temperature = 4;
    private double kdWeight;
    private List<LayerPair> layerPairs = List.of();
    private double layerWeight = 0.5;
    private List<LayerPair> weightPairs = List.of();
    private double weightDistillation;
    private DataLoader validation;
    private long validationInterval;
    private boolean keepOriginalIfWorse = true;
    private boolean retryOnDivergence = true;
    private double collapseFraction = 0.5;
    private FineTuneListener listener = new FineTuneListener() {};
    private List<DeviceChoice> devices;

    /**
     * Where the student, the teacher and the validation passes run (default: {@link
     * DeviceChoice#configuredReplicas()} when fine-tuning starts).
     */
    public Builder optDevice(DeviceChoice d) {
      this.devices = List.of(d);
      return this;
    }

    /**
     * Data-parallel fine-tuning: one replica of the student on each device, each step's batch split
     * across them (see {@link org.lowrank.train.exec.DataParallel}); the first device is the one of
     * {@link #optDevice}. The CPU may be listed more than once.
     */
    public Builder optDevices(List<DeviceChoice> d) {
      if (d == null || d.isEmpty()) {
        throw new IllegalArgumentException("fine-tuning devices: the list is empty");
      }
      this.devices = List.copyOf(d);
      return this;
    }

    /**
     * The optimizer, learning rate, weight decay, warm-up fraction and length (steps when {@code
     * s.steps() > 0}, else epochs) of {@code s}, a spec already validated by its constructor. The
     * distillation terms need a teacher and layer pairs, so they are set with {@link #optTeacher},
     * {@link #optLogitDistillation}, {@link #optLayerMatching} and {@link #optWeightDistillation};
     * data, seed and listener are set as usual.
     */
    public Builder optSettings(FineTuneSettings s) {
      optimizer = s.optimizer();
      learningRate = s.learningRate();
      weightDecay = s.weightDecay();
      warmupFraction = s.warmup();
      epochs = s.epochs();
      steps = s.steps();
      return this;
    }

    public Builder optOptimizer(OptimizerKind kind) {
      optimizer = Objects.requireNonNull(kind);
      return this;
    }

    /** Peak learning rate (after warm-up). */
    public Builder optLearningRate(double lr) {
      learningRate = lr;
      return this;
    }

    /** Final learning rate of the cosine schedule (default 0). */
    public Builder optMinLearningRate(double lr) {
      minLearningRate = lr;
      return this;
    }

    /** Nesterov momentum of SGD (default 0.9). */
    public Builder optMomentum(double m) {
      momentum = m;
      return this;
    }

    /** Weight decay; by default applied to parameters of rank >= 2 (not biases or BN). */
    public Builder optWeightDecay(double wd) {
      weightDecay = wd;
      return this;
    }

    /** Also decays biases and BatchNormalization scale / bias. */
    public Builder optDecayAllParameters(boolean all) {
      decayAll = all;
      return this;
    }

    public Builder optAdamBetas(double b1, double b2) {
      beta1 = b1;
      beta2 = b2;
      return this;
    }

    /** Number of epochs (default 1); ignored when {@link #optSteps} is set. */
    public Builder optEpochs(int n) {
      epochs = n;
      return this;
    }

    /** Total optimizer steps, cycling through the data as needed (overrides epochs). */
    public Builder optSteps(long n) {
      steps = n;
      return this;
    }

    /** Warm-up length in steps. */
    public Builder optWarmupSteps(long n) {
      warmupSteps = n;
      return this;
    }

    /** Warm-up length as a fraction of all steps (used when no step count is given). */
    public Builder optWarmupFraction(double f) {
      warmupFraction = f;
      return this;
    }

    /** Cosine decay after warm-up (default true); false keeps the rate constant. */
    public Builder optCosine(boolean c) {
      cosine = c;
      return this;
    }

    /** Clips the global L2 norm of all gradients to {@code maxNorm} (0 = off). */
    public Builder optGradientClipNorm(double maxNorm) {
      gradientClipNorm = maxNorm;
      return this;
    }

    /** Seed of the engine's random generator (Dropout). Data order is seeded by the DataLoader. */
    public Builder optSeed(long s) {
      seed = s;
      return this;
    }

    /** Teacher (e.g. the uncompressed model) for distillation. */
    public Builder optTeacher(Model t) {
      teacher = t;
      return this;
    }

    /** Logit distillation: temperature T and weight in (0, 1] of the KL term. */
    public Builder optLogitDistillation(double temperature, double weight) {
      this.temperature = temperature;
      this.kdWeight = weight;
      return this;
    }

    /** Layer-output matching pairs and their weight (MISSION.md method A: 0.5). */
    public Builder optLayerMatching(List<LayerPair> pairs, double weight) {
      layerPairs = List.copyOf(pairs);
      layerWeight = weight;
      return this;
    }

    /**
     * RENE's weight distillation: pulls the product of the factors of each factorized layer (named
     * by its output in the student and in the teacher, as for layer matching) towards the teacher
     * layer's dense weight, with weight {@code weight} (0 = off).
     */
    public Builder optWeightDistillation(List<LayerPair> layers, double weight) {
      weightPairs = List.copyOf(layers);
      weightDistillation = weight;
      return this;
    }

    /**
     * Validation data (never the test split), evaluated before fine-tuning, after every epoch and
     * every {@link #optValidationInterval} steps; the best checkpoint's weights are returned.
     */
    public Builder optValidation(DataLoader v) {
      validation = v;
      return this;
    }

    /**
     * Also evaluates the validation data every {@code steps} optimizer steps (0 = epoch ends only).
     */
    public Builder optValidationInterval(long steps) {
      validationInterval = steps;
      return this;
    }

    /**
     * Returns the model as it was before fine-tuning when the best checkpoint's validation top-1 is
     * below the pre-fine-tune model's (default true; needs validation data to act).
     */
    public Builder optKeepOriginalIfWorse(boolean keep) {
      keepOriginalIfWorse = keep;
      return this;
    }

    /**
     * Retries a diverged run once from the pre-fine-tune weights at a tenth of the learning rate
     * (default true); false gives up at once and returns the pre-fine-tune model.
     */
    public Builder optRetryOnDivergence(boolean retry) {
      retryOnDivergence = retry;
      return this;
    }

    /**
     * A run whose validation top-1 falls below {@code fraction} times the pre-fine-tune model's, at
     * a validation before the end, has collapsed: it stops and counts as diverged (retried at a
     * lower rate). Default 0.5; 0 = off. On ResNet-56 with CP at 30% of the parameters, AdamW at
     * 3e-3 fell from 84.6% to 10.8% validation top-1 within 20 steps and never recovered.
     */
    public Builder optCollapseFraction(double fraction) {
      collapseFraction = fraction;
      return this;
    }

    public Builder optListener(FineTuneListener l) {
      listener = Objects.requireNonNull(l);
      return this;
    }

    public FineTuneConfig build() {
      FineTuneSettings.checkLearningRate(learningRate);
      check(
          minLearningRate >= 0 && minLearningRate <= learningRate,
          "minimum learning rate must be in [0, " + learningRate + "], got " + minLearningRate);
      check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
      FineTuneSettings.checkWeightDecay(weightDecay);
      check(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must be in [0, 1)");
      FineTuneSettings.checkLength(steps > 0 ? 0 : epochs, steps); // epochs are ignored with steps
      FineTuneSettings.checkWarmup(warmupFraction);
      check(gradientClipNorm >= 0, "gradient clip norm must be >= 0");
      FineTuneSettings.checkKdWeight(kdWeight);
      FineTuneSettings.checkTemperature(temperature);
      FineTuneSettings.checkLayerWeight(layerWeight);
      check(
          collapseFraction >= 0 && collapseFraction <= 1,
          "collapse fraction must be in [0, 1], got " + collapseFraction);
      check(validationInterval >= 0, "validation interval must be >= 0, got " + validationInterval);
      FineTuneSettings.checkWeightDistillation(weightDistillation);
      check(
          teacher != null
              || (kdWeight == 0
                  && layerPairs.isEmpty()
                  && (weightDistillation == 0 || weightPairs.isEmpty())),
          "logit distillation, layer matching and weight distillation need a teacher: call "
              + "optTeacher(model)");
      return new FineTuneConfig(this);
    }

    private static void check(boolean ok, String msg) {
      if (!ok) {
        throw new IllegalArgumentException(msg);
      }
    }
  }

  public OptimizerKind optimizer() {
    return optimizer;
  }

  public double learningRate() {
    return learningRate;
  }

  public double minLearningRate() {
    return minLearningRate;
  }

  public double momentum() {
    return momentum;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public boolean decayAllParameters() {
    return decayAll;
  }

  public double beta1() {
    return beta1;
  }

  public double beta2() {
    return beta2;
  }

  public double adamEpsilon() {
    return adamEpsilon;
  }

  public int epochs() {
    return epochs;
  }

  public long steps() {
    return steps;
  }

  public long warmupSteps() {
    return warmupSteps;
  }

  public double warmupFraction() {
    return warmupFraction;
  }

  public boolean cosine() {
    return cosine;
  }

  public double gradientClipNorm() {
    return gradientClipNorm;
  }

  public long seed() {
    return seed;
  }

  public Model teacher() {
    return teacher;
  }

  public double temperature() {
    return temperature;
  }

  public double kdWeight() {
    return kdWeight;
  }

  public List<LayerPair> layerPairs() {
    return layerPairs;
  }

  public double layerWeight() {
    return layerWeight;
  }

  public List<LayerPair> weightPairs() {
    return weightPairs;
  }

  public double weightDistillation() {
    return weightDistillation;
  }

  public DataLoader validation() {
    return validation;
  }

  public long validationInterval() {
    return validationInterval;
  }

  public boolean keepOriginalIfWorse() {
    return keepOriginalIfWorse;
  }

  public boolean retryOnDivergence() {
    return retryOnDivergence;
  }

  public double collapseFraction() {
    return collapseFraction;
  }

  public FineTuneListener listener() {
    return listener;
  }
}
