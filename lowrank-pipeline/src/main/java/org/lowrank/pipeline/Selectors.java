package org.lowrank.pipeline;

import org.lowrank.plan.select.EnergySelectorProvider;
import org.lowrank.plan.select.RatioSelectorProvider;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorRegistry;
import org.lowrank.plan.select.VbmfSelectorProvider;
import org.lowrank.train.dse.SimilarityMetric;
import org.lowrank.train.dse.SimilaritySelectorProvider;
import org.lowrank.train.search.DataFreeSelectorProvider;

/**
 * Shortcuts to the built-in rank selectors with typed options, for {@link
 * CompressionPipeline.Builder#optSelector} and {@link PlanSpec#selector()}. Any selector on the
 * class path, built-in or not, is reachable by name through {@link SelectorRegistry} ({@link
 * SelectorChoice#of(String, org.lowrank.plan.select.SelectorOption.Values)}).
 */
public final class Selectors {
  private Selectors() {}

  /**
   * The data-free continuous rank search (method A), under the pipeline's budget; no data needed.
   */
  public static SelectorChoice dataFree() {
    return SelectorChoice.of(
        new DataFreeSelectorProvider(), new DataFreeSelectorProvider.Options());
  }

  /**
   * Energy threshold: each factorized layer keeps at least this fraction of its weight's squared
   * Frobenius norm, 1 - ||W - Ŵ||^2 / ||W||^2, measured on each method's own reconstruction (CP
   * scored with the pipeline's seed, as deployed).
   */
  public static SelectorChoice energy(double threshold, int rankMultiple) {
    return SelectorChoice.of(
        new EnergySelectorProvider(), new EnergySelectorProvider.Options(threshold, rankMultiple));
  }

  /** Fixed ratio of the full rank (scaled to meet a budget). */
  public static SelectorChoice ratio(double ratio, int rankMultiple) {
    return SelectorChoice.of(
        new RatioSelectorProvider(), new RatioSelectorProvider.Options(ratio, rankMultiple));
  }

  /** EVBMF ranks (scaled to meet a budget). */
  public static SelectorChoice vbmf(int rankMultiple) {
    return SelectorChoice.of(
        new VbmfSelectorProvider(), new VbmfSelectorProvider.Options(rankMultiple));
  }

  /**
   * Feature-map similarity (method B): needs the pipeline's calibration batch, so a dataset must be
   * set ({@link CompressionPipeline.Builder#optData}).
   */
  public static SelectorChoice similarity(
      double threshold, SimilarityMetric metric, int rankMultiple) {
    return SelectorChoice.of(
        new SimilaritySelectorProvider(),
        new SimilaritySelectorProvider.Options(threshold, metric, rankMultiple));
  }
}
