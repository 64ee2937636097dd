package org.lowrank.pipeline;

import java.util.Locale;
import java.util.function.Function;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.select.EnergySelector;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.RatioSelector;
import org.lowrank.plan.select.VbmfSelector;
import org.lowrank.progress.ProgressListener;
import org.lowrank.train.dse.SimilarityMetric;
import org.lowrank.train.dse.SimilaritySelector;
import org.lowrank.train.search.DataFreeSelector;

/** Factories of the rank selectors, for {@link CompressionPipeline.Builder#optSelector}. */
public final class Selectors {
  /** Selector names accepted by {@link #byName}. */
  public static final String NAMES = "similarity, datafree, vbmf, energy, ratio";

  private Selectors() {}

  /**
   * Settings of a selector chosen by name; each selector reads the fields it uses.
   *
   * @param threshold feature-map similarity threshold (similarity)
   * @param metric "cosine" or "cka" (similarity)
   * @param energy energy fraction (energy)
   * @param ratio rank ratio (ratio)
   * @param rankMultiple round ranks up to a multiple of this (1 = no rounding)
   */
  public record Settings(double threshold, String metric, double energy, double ratio, int rankMultiple) {
    public static Settings defaults() {
      return new Settings(SimilaritySelector.DEFAULT_THRESHOLD, "cosine",
          org.lowrank.plan.select.EnergySelector.DEFAULT_THRESHOLD, 0.25, 1);
    }
  }

  /** The selector called {@code name} (see {@link #NAMES}). */
  public static Function<org.lowrank.plan.select.SelectorContext, RankSelector> byName(
      String name, Settings s, ProgressListener progress) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "energy" -> energy(s.energy(), s.rankMultiple());
      case "ratio" -> ratio(s.ratio(), s.rankMultiple());
      case "vbmf" -> vbmf(s.rankMultiple());
      case "similarity" -> similarity(s.threshold(), SimilarityMetric.parse(s.metric()),
          s.rankMultiple(), progress);
      case "datafree" -> dataFree(progress);
      default -> throw new IllegalArgumentException(
          "unknown selector '" + name + "': expected one of " + NAMES);
    };
  }

  /**
   * The data-free continuous rank search (method A): softmax-relaxed ranks trained on weight
   * reconstruction times a rank cost, under the pipeline's budget; no data needed.
   */
  public static Function<org.lowrank.plan.select.SelectorContext, RankSelector> dataFree(
      ProgressListener progress) {
    return ctx -> new DataFreeSelector(ctx.layers(), ctx.budget(),
        new org.lowrank.cost.Cost(ctx.profile().totalParams(), ctx.profile().totalMacs()), ctx.seed(),
        progress);
  }

  /**
   * Energy threshold: each factorized layer keeps at least this fraction of its weight's squared
   * Frobenius norm, 1 - ||W - Ŵ||^2 / ||W||^2, measured on each method's own reconstruction (CP
   * scored with the pipeline's seed, as deployed).
   */
  public static Function<org.lowrank.plan.select.SelectorContext, RankSelector> energy(
      double threshold, int rankMultiple) {
    return ctx -> new EnergySelector(threshold, rankMultiple, ctx.seed(), LinearAlgebra.defaultInstance());
  }

  /** Fixed ratio of the full rank (scaled to meet a budget). */
  public static Function<org.lowrank.plan.select.SelectorContext, RankSelector> ratio(
      double ratio, int rankMultiple) {
    return ctx -> new RatioSelector(ratio, rankMultiple);
  }

  /** EVBMF ranks (scaled to meet a budget). */
  public static Function<org.lowrank.plan.select.SelectorContext, RankSelector> vbmf(int rankMultiple) {
    return ctx -> new VbmfSelector(rankMultiple, LinearAlgebra.defaultInstance());
  }

  /**
   * Feature-map similarity (method B): needs the pipeline's calibration batch, so a dataset must be
   * set ({@link CompressionPipeline.Builder#optData}).
   */
  public static Function<org.lowrank.plan.select.SelectorContext, RankSelector> similarity(
      double threshold, SimilarityMetric metric, int rankMultiple, ProgressListener progress) {
    return ctx -> {
      if (ctx.calibration() == null) {
        throw new IllegalArgumentException(
            "the similarity selector compares feature maps on calibration images: pass a dataset "
                + "(--data), or use a weight-only selector (vbmf, energy, ratio)");
      }
      return SimilaritySelector.builder(ctx.model())
          .calibration(ctx.calibration())
          .calibrationSize((int) ctx.calibration().dim(0))
          .threshold(threshold)
          .metric(metric)
          .seed(ctx.seed())
          .rankMultiple(rankMultiple)
          .refitLastFactor(ctx.refit())
          .layers(ctx.layers().stream().map(LayerInput::name).toList())
          .progress(progress)
          .build();
    };
  }
}
