package org.lowrank.demo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.lowrank.graph.Model;
import org.lowrank.progress.ProgressListener;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.finetune.FineTuneConfig;
import org.lowrank.train.finetune.FineTuneListener;
import org.lowrank.train.finetune.FineTuneResult;
import org.lowrank.train.finetune.FineTuner;
import org.lowrank.train.finetune.OptimizerKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an image classifier from its initial weights (e.g. {@link DemoModels#fashionCnn}) and
 * evaluates it on a test split. Training minimizes the cross-entropy with {@link FineTuner}: by
 * default AdamW (learning rate 2e-3, cosine decay to 0 after a 5% warm-up, weight decay 5e-4
 * applied as lr * wd * w), batches of 128, 3 epochs, data order shuffled with the seed, pixels
 * normalized with {@link FashionMnist#NORMALIZATION}. Build with {@link #builder()}; every setting
 * is optional.
 *
 * <p>Deterministic for a seed on one thread (data order, engine seed); with several engine threads
 * the float summation order may differ between runs.
 */
public final class DemoTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(DemoTrainer.class);

  /** Model metadata key holding the normalization mean the model was trained with. */
  public static final String META_NORMALIZATION_MEAN = "lowrank.normalization.mean";

  /** Model metadata key holding the normalization standard deviation. */
  public static final String META_NORMALIZATION_STD = "lowrank.normalization.std";

  /** Model metadata key holding the training data description. */
  public static final String META_TRAINED_ON = "lowrank.trained_on";

  private final Builder b;

  private DemoTrainer(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The batch loader of a split with this trainer's normalization (shuffled when seeded). */
  DataLoader loader(ImageDataset data, boolean shuffle) {
    DataLoader.Builder l =
        DataLoader.builder(data).setBatchSize(b.batchSize).optNormalization(b.normalization);
    if (shuffle) {
      l.optShuffle(b.seed);
    }
    return l.build();
  }

  /**
   * Trains {@code initial} on {@code train} (or the first-seeded {@code trainLimit} examples of it)
   * and evaluates the result on {@code test} (or {@code testLimit} of it).
   *
   * @param initial the untrained (or partly trained) model; not modified
   * @return the trained model (with normalization metadata), test accuracy and timings
   */
  public DemoTrainingResult train(Model initial, ImageDataset train, ImageDataset test) {
    Objects.requireNonNull(initial, "initial");
    ImageDataset trainSet = b.trainLimit > 0 ? Datasets.limit(train, b.trainLimit, b.seed) : train;
    ImageDataset testSet = b.testLimit > 0 ? Datasets.limit(test, b.testLimit, b.seed + 1) : test;
    DataLoader trainLoader = loader(trainSet, true);
    DataLoader testLoader = loader(testSet, false);
    int perEpoch = trainLoader.batchesPerEpoch();
    LOG.info(
        "training {} on {} ({} images, {} epochs of {} batches of {}, {} lr {}, seed {})",
        initial.graph().name(),
        trainSet.description(),
        trainSet.size(),
        b.epochs,
        perEpoch,
        b.batchSize,
        b.optimizer,
        b.learningRate,
        b.seed);
    FineTuneConfig cfg =
        FineTuneConfig.builder()
            .optOptimizer(b.optimizer)
            .optLearningRate(b.learningRate)
            .optWeightDecay(b.weightDecay)
            .optEpochs(b.epochs)
            .optWarmupFraction(b.warmupFraction)
            .optSeed(b.seed)
            .optListener(new ProgressBridge(b.listener, b.fineTuneListener, b.epochs, perEpoch))
            .build();
    FineTuneResult fit = FineTuner.run(initial, trainLoader, cfg);
    long trainImages = (long) trainLoader.examplesPerEpoch() * b.epochs;
    Model trained = withTrainingMetadata(fit.lastModel(), trainSet.description());

    long t0 = System.nanoTime();
    EvaluationResult eval;
    b.listener.start("evaluate", testLoader.batchesPerEpoch());
    try (GraphExecutor ex = GraphExecutor.of(trained)) {
      eval =
          Evaluator.evaluate(
              new ExecutorPredictor(ex), testLoader, done -> b.listener.progress(done, ""));
    }
    double evalSeconds = (System.nanoTime() - t0) / 1e9;
    b.listener.finish(String.format("test top-1 %.4f", eval.top1()));
    DemoTrainingResult r =
        new DemoTrainingResult(
            trained, eval, b.epochs, trainImages, fit.seconds(), evalSeconds, fit.epochs());
    LOG.info(
        "trained {}: test top-1 {} on {} images, {} s training ({} images/s), {} s evaluation",
        initial.graph().name(),
        String.format("%.4f", eval.top1()),
        eval.examples(),
        String.format("%.1f", r.trainSeconds()),
        String.format("%.0f", r.trainImagesPerSecond()),
        String.format("%.1f", evalSeconds));
    return r;
  }

  private Model withTrainingMetadata(Model m, String trainedOn) {
    Map<String, String> meta = new LinkedHashMap<>(m.metadata());
    meta.put(META_NORMALIZATION_MEAN, join(b.normalization.mean()));
    meta.put(META_NORMALIZATION_STD, join(b.normalization.std()));
    meta.put(META_TRAINED_ON, trainedOn);
    return new Model(
        m.graph(),
        m.irVersion(),
        m.opsetImports(),
        m.producerName(),
        m.producerVersion(),
        m.docString(),
        meta);
  }

  private static String join(float[] v) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      s.append(i == 0 ? "" : ",").append(v[i]);
    }
    return s.toString();
  }

  /** Reports fine-tuning steps as one progress step per epoch and forwards the raw events. */
  private static final class ProgressBridge implements FineTuneListener {
    private final ProgressListener progress;
    private final FineTuneListener forward;
    private final int epochs;
    private final int perEpoch;
    private int started = -1;

    ProgressBridge(ProgressListener progress, FineTuneListener forward, int epochs, int perEpoch) {
      this.progress = progress;
      this.forward = forward;
      this.epochs = epochs;
      this.perEpoch = perEpoch;
    }

    @Override
    public void onStep(StepEvent e) {
      if (e.epoch() != started) {
        started = e.epoch();
        progress.start("train epoch " + (e.epoch() + 1) + "/" + epochs, perEpoch);
      }
      long inEpoch = e.step() - (long) e.epoch() * perEpoch;
      progress.progress(inEpoch, String.format("loss %.3f", e.loss()));
      forward.onStep(e);
    }

    @Override
    public void onEpoch(EpochEvent e) {
      progress.finish(
          String.format("train loss %.3f, train top-1 %.4f", e.trainLoss(), e.trainTop1()));
      forward.onEpoch(e);
    }
  }

  /** Settings; all optional. */
  public static final class Builder {
    private int epochs = 3;
    private int batchSize = 128;
    private OptimizerKind optimizer = OptimizerKind.ADAM;
    private double learningRate = 2e-3;
    private double weightDecay = 5e-4;
    private double warmupFraction = 0.05;
    private long seed;
    private int trainLimit;
    private int testLimit;
    private Normalization normalization = FashionMnist.NORMALIZATION;
    private ProgressListener listener = ProgressListener.NONE;
    private FineTuneListener fineTuneListener = new FineTuneListener() {};

    private Builder() {}

    /** Passes over the training data (default 3). */
    public Builder optEpochs(int v) {
      epochs = v;
      return this;
    }

    /** Images per optimizer step (default 128). */
    public Builder optBatchSize(int v) {
      batchSize = v;
      return this;
    }

    /** Optimizer (default {@link OptimizerKind#ADAM}, i.e. AdamW). */
    public Builder optOptimizer(OptimizerKind v) {
      optimizer = Objects.requireNonNull(v);
      return this;
    }

    /** Peak learning rate (default 2e-3 for Adam; use ~0.05 for SGD with Nesterov momentum). */
    public Builder optLearningRate(double v) {
      learningRate = v;
      return this;
    }

    /** Weight decay of weights of rank >= 2 (default 5e-4). */
    public Builder optWeightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /** Linear warm-up as a fraction of all steps (default 0.05). */
    public Builder optWarmupFraction(double v) {
      warmupFraction = v;
      return this;
    }

    /** Seed of the data order, the subsets and the engine (default 0). */
    public Builder optSeed(long v) {
      seed = v;
      return this;
    }

    /** Trains on a seeded random subset of this many images (0 = all, the default). */
    public Builder optTrainLimit(int v) {
      trainLimit = v;
      return this;
    }

    /** Evaluates on a seeded random subset of this many images (0 = all, the default). */
    public Builder optTestLimit(int v) {
      testLimit = v;
      return this;
    }

    /** Pixel normalization (default {@link FashionMnist#NORMALIZATION}). */
    public Builder optNormalization(Normalization v) {
      normalization = Objects.requireNonNull(v);
      return this;
    }

    /** Progress: one step per epoch ("train epoch 1/3", batches) and one for "evaluate". */
    public Builder optListener(ProgressListener v) {
      listener = Objects.requireNonNull(v);
      return this;
    }

    /** Receives the raw per-step and per-epoch training events too. */
    public Builder optFineTuneListener(FineTuneListener v) {
      fineTuneListener = Objects.requireNonNull(v);
      return this;
    }

    public DemoTrainer build() {
      check(epochs > 0, "epochs must be > 0, got " + epochs);
      check(batchSize > 0, "batch size must be > 0, got " + batchSize);
      check(learningRate > 0, "learning rate must be > 0, got " + learningRate);
      check(weightDecay >= 0, "weight decay must be >= 0, got " + weightDecay);
      check(
          warmupFraction >= 0 && warmupFraction < 1,
          "warm-up fraction must be in [0, 1), got " + warmupFraction);
      check(trainLimit >= 0 && testLimit >= 0, "subset sizes must be >= 0 (0 = all)");
      return new DemoTrainer(this);
    }

    private static void check(boolean ok, String msg) {
      if (!ok) {
        throw new IllegalArgumentException(msg);
      }
    }
  }
}
