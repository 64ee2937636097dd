package org.lowrank.pipeline;

import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.Model;
import org.lowrank.train.data.Augmentation;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.DatasetException;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.finetune.FineTuneConfig;
import org.lowrank.train.finetune.FineTuneResult;
import org.lowrank.train.finetune.FineTuneSettings;
import org.lowrank.train.finetune.FineTuner;
import org.lowrank.train.finetune.LayerPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fine-tuning run from {@link FineTuneSettings}: the training split of a {@link DataSource}
 * (seeded subset, shuffle and augmentation) with a disjoint held-out validation slice of it, the
 * optimizer and warm-up + cosine schedule, gradient clipping at norm 5, and optional distillation
 * from a teacher (logit KL, plus matching the given layer outputs). The validation slice is
 * evaluated before fine-tuning and {@link #VALIDATIONS_PER_RUN} times or once per epoch, whichever
 * is more often; the result is the best checkpoint, or the model as it was when fine-tuning made it
 * worse or diverged (see {@link FineTuneResult#warnings()}). Shared by {@link
 * CompressionPipeline}'s fine-tune stage, {@code lowrank finetune} and the benchmarks, so all of
 * them train the same way.
 */
public final class FineTuning {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuning.class);

  /** Gradient-norm clip: factorized chains can blow up early in fine-tuning (RENE clips at 5). */
  public static final double CLIP_NORM = 5.0;

  /** Validations spread over a run shorter than this many epochs (one per epoch otherwise). */
  public static final int VALIDATIONS_PER_RUN = 4;

  private FineTuning() {}

  /**
   * Fine-tunes {@code student}.
   *
   * @param student the model to train (not modified: the result holds the trained copy)
   * @param teacher the model to distill from, or null for labels only
   * @param layerPairs outputs of the factorized layers in the student and the teacher (empty:
   *     logits only): matched with a teacher and {@code settings.layerWeight() > 0}, and their
   *     weights with {@code settings.weightDistillation() > 0}
   * @param data labelled images; the "train" split is used
   * @param inputShape the model's input shape [N, C, H, W] (N is ignored)
   * @param settings what and how long to train; {@code settings.distill()} false ignores the
   *     teacher
   * @param seed seed of the subset, shuffle, augmentation and initialization of the optimizer
   * @param listener progress, one step per epoch
   */
  public static FineTuneResult run(
      Model student,
      Model teacher,
      List<LayerPair> layerPairs,
      DataSource data,
      long[] inputShape,
      FineTuneSettings settings,
      long seed,
      PipelineListener listener)
      throws IOException {
    return run(
        student,
        teacher,
        layerPairs,
        data,
        inputShape,
        OptionalInt.empty(),
        settings,
        seed,
        listener);
  }

  /**
   * As {@link #run(Model, Model, List, DataSource, long[], FineTuneSettings, long,
   * PipelineListener)} at the student's resolved input shapes: a model whose batch is fixed at B
   * trains and validates in batches of B (a different {@code settings.batchSize()} is overridden,
   * with a warning; the last partial batch of an epoch is dropped, as always, and so is the
   * validation's).
   */
  public static FineTuneResult run(
      Model student,
      Model teacher,
      List<LayerPair> layerPairs,
      DataSource data,
      InputShapes inputs,
      FineTuneSettings settings,
      long seed,
      PipelineListener listener)
      throws IOException {
    return run(
        student,
        teacher,
        layerPairs,
        data,
        inputs.first(),
        inputs.fixedBatch(),
        settings,
        seed,
        listener);
  }

  private static FineTuneResult run(
      Model student,
      Model teacher,
      List<LayerPair> layerPairs,
      DataSource data,
      long[] inputShape,
      OptionalInt fixedBatch,
      FineTuneSettings settings,
      long seed,
      PipelineListener listener)
      throws IOException {
    FineTuneSettings f = settings;
    if (fixedBatch.isPresent() && f.batchSize() != fixedBatch.getAsInt()) {
      LOG.warn(
          "the model's batch is fixed at {}: fine-tuning in batches of {}, not {}",
          fixedBatch.getAsInt(),
          fixedBatch.getAsInt(),
          f.batchSize());
      f = f.withBatchSize(fixedBatch.getAsInt());
    }
    int validationBatch = fixedBatch.orElse(CompressionPipeline.EVAL_BATCH);
    try (ImageDataset train = data.open("train", inputShape)) {
      int held =
          (int)
              Math.min(
                  f.validationImages(),
                  Math.floor(FineTuneSettings.MAX_VALIDATION_FRACTION * train.size()));
      Datasets.Split split = Datasets.holdOut(train, f.trainLimit(), held, seed);
      ImageDataset ds = split.train();
      DataLoader.Builder lb =
          DataLoader.builder(ds)
              .setBatchSize(f.batchSize())
              .optShuffle(seed)
              .optNormalization(data.normalization())
              .optDropLast(true);
      if (f.augment()) {
        lb.optAugmentation(Augmentation.cifar(seed));
      }
      DataLoader loader = lb.build();
      if (loader.batchesPerEpoch() == 0) {
        throw new DatasetException(
            data.path()
                + ": the training split has "
                + ds.size()
                + " images after holding out "
                + (split.heldOut() == null ? 0 : split.heldOut().size())
                + " for validation, fewer than one batch of "
                + f.batchSize()
                + "; add training images or lower --batch-size");
      }
      FineTuneConfig.Builder cb =
          FineTuneConfig.builder()
              .optSettings(f)
              .optSeed(seed)
              .optGradientClipNorm(CLIP_NORM)
              .optListener(new FineTuneProgress(listener, loader.batchesPerEpoch(), f));
      if (split.heldOut() != null) {
        long total = f.steps() > 0 ? f.steps() : (long) f.epochs() * loader.batchesPerEpoch();
        long interval = (total + VALIDATIONS_PER_RUN - 1) / VALIDATIONS_PER_RUN;
        cb.optValidation(
                DataLoader.builder(split.heldOut())
                    .setBatchSize(validationBatch)
                    .optNormalization(data.normalization())
                    .optDropLast(fixedBatch.isPresent())
                    .build())
            .optValidationInterval(interval < loader.batchesPerEpoch() ? interval : 0);
      }
      boolean matchLayers = !layerPairs.isEmpty() && f.layerWeight() > 0;
      boolean matchWeights = !layerPairs.isEmpty() && f.weightDistillation() > 0;
      // the teacher runs every step: only attach it when a loss term reads it
      if (f.distill() && teacher != null && (f.kdWeight() > 0 || matchLayers || matchWeights)) {
        cb.optTeacher(teacher).optLogitDistillation(f.temperature(), f.kdWeight());
        if (matchLayers) {
          cb.optLayerMatching(layerPairs, f.layerWeight());
        }
        if (matchWeights) {
          cb.optWeightDistillation(layerPairs, f.weightDistillation());
        }
      }
      return FineTuner.run(student, loader, cb.build());
    }
  }
}
