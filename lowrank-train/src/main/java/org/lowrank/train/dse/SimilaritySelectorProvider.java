package org.lowrank.train.dse;

import java.util.List;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.plan.select.SelectorProvider;
import org.lowrank.progress.ProgressListener;

/**
 * Provides {@link SimilaritySelector} (method B) as "similarity": {@code --threshold}, {@code
 * --metric}, {@code --rank-multiple}. It compares feature maps on the pipeline's calibration batch,
 * so the context must carry one (a dataset was given).
 */
public final class SimilaritySelectorProvider
    implements SelectorProvider<SimilaritySelectorProvider.Options> {
  static final SelectorOption THRESHOLD =
      new SelectorOption(
          "--threshold",
          Double.class,
          "T",
          "" + SimilaritySelector.DEFAULT_THRESHOLD,
          "Similarity a layer must keep");
  static final SelectorOption METRIC =
      new SelectorOption(
          "--metric",
          String.class,
          "cosine|centered|cka",
          SimilarityMetric.COSINE.cliName(),
          "Feature-map similarity metric: cosine, centered (cosine after removing the original's "
              + "per-channel mean) or linear CKA");

  /**
   * @param threshold similarity each factorized layer's output must keep
   * @param metric how feature maps are compared
   * @param rankMultiple round ranks up to a multiple of this (1 = no rounding)
   */
  public record Options(double threshold, SimilarityMetric metric, int rankMultiple) {}

  @Override
  public String name() {
    return "similarity";
  }

  @Override
  public String description() {
    return "feature maps on calibration data";
  }

  @Override
  public String scoreLabel() {
    return "feature-map similarity";
  }

  @Override
  public boolean needsData() {
    return true;
  }

  @Override
  public int order() {
    return 10;
  }

  @Override
  public List<SelectorOption> options() {
    return List.of(THRESHOLD, METRIC, SelectorOption.RANK_MULTIPLE);
  }

  @Override
  public Options options(SelectorOption.Values v) {
    return new Options(
        v.getDouble(THRESHOLD),
        SimilarityMetric.parse(v.getString(METRIC)),
        SelectorOption.rankMultiple(v).multiple());
  }

  @Override
  public RankSelector create(Options o, SelectorContext ctx, ProgressListener progress) {
    if (ctx.calibration() == null) {
      throw new IllegalArgumentException(
          "the similarity selector compares feature maps on calibration images: pass a dataset "
              + "(--data), or use a weight-only selector (vbmf, energy, ratio)");
    }
    return SimilaritySelector.builder(ctx.model())
        .calibration(ctx.calibration())
        .calibrationSize((int) ctx.calibration().dim(0))
        .threshold(o.threshold())
        .metric(o.metric())
        .seed(ctx.seed())
        .rankMultiple(o.rankMultiple())
        .refitLastFactor(ctx.refit())
        .dataAware(ctx.dataAware())
        .layers(ctx.layers().stream().map(LayerInput::name).toList())
        .progress(progress)
        .build();
  }
}
