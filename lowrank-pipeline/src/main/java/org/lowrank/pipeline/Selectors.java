package org.lowrank.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.lowrank.plan.select.EnergySelectorProvider;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.RatioSelectorProvider;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.plan.select.SelectorRegistry;
import org.lowrank.plan.select.VbmfSelectorProvider;
import org.lowrank.progress.ProgressListener;
import org.lowrank.train.dse.SimilarityMetric;
import org.lowrank.train.dse.SimilaritySelectorProvider;
import org.lowrank.train.search.DataFreeSelectorProvider;

/**
 * Shortcuts to the built-in rank selectors for {@link CompressionPipeline.Builder#optSelector};
 * each delegates to the selector's {@link org.lowrank.plan.select.SelectorProvider}. Any selector
 * on the class path, built-in or not, is reachable by name through {@link SelectorRegistry}.
 */
public final class Selectors {
  private Selectors() {}

  /**
   * Settings of a selector chosen by name, as they were before selectors declared their own
   * options.
   *
   * @deprecated use {@link SelectorRegistry#require(String)} with {@link SelectorOption.Values}
   */
  @Deprecated
  public record Settings(
      double threshold, String metric, double energy, double ratio, int rankMultiple) {
    public static Settings defaults() {
      return new Settings(
          new SimilaritySelectorProvider().defaults().threshold(),
          "cosine",
          new EnergySelectorProvider().defaults().threshold(),
          new RatioSelectorProvider().defaults().ratio(),
          1);
    }

    SelectorOption.Values values() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("--threshold", threshold);
      m.put("--metric", metric);
      m.put("--energy", energy);
      m.put("--ratio", ratio);
      m.put("--rank-multiple", String.valueOf(rankMultiple));
      return SelectorOption.Values.of(m);
    }
  }

  /**
   * The selector called {@code name}.
   *
   * @deprecated use {@link SelectorRegistry#require(String)}
   */
  @Deprecated
  public static Function<SelectorContext, RankSelector> byName(
      String name, Settings s, ProgressListener progress) {
    return SelectorRegistry.require(name).bind(s.values(), progress);
  }

  /**
   * The data-free continuous rank search (method A), under the pipeline's budget; no data needed.
   */
  public static Function<SelectorContext, RankSelector> dataFree(ProgressListener progress) {
    return new DataFreeSelectorProvider().bind(new DataFreeSelectorProvider.Options(), progress);
  }

  /**
   * Energy threshold: each factorized layer keeps at least this fraction of its weight's squared
   * Frobenius norm, 1 - ||W - Ŵ||^2 / ||W||^2, measured on each method's own reconstruction (CP
   * scored with the pipeline's seed, as deployed).
   */
  public static Function<SelectorContext, RankSelector> energy(double threshold, int rankMultiple) {
    return new EnergySelectorProvider()
        .bind(new EnergySelectorProvider.Options(threshold, rankMultiple), ProgressListener.NONE);
  }

  /** Fixed ratio of the full rank (scaled to meet a budget). */
  public static Function<SelectorContext, RankSelector> ratio(double ratio, int rankMultiple) {
    return new RatioSelectorProvider()
        .bind(new RatioSelectorProvider.Options(ratio, rankMultiple), ProgressListener.NONE);
  }

  /** EVBMF ranks (scaled to meet a budget). */
  public static Function<SelectorContext, RankSelector> vbmf(int rankMultiple) {
    return new VbmfSelectorProvider()
        .bind(new VbmfSelectorProvider.Options(rankMultiple), ProgressListener.NONE);
  }

  /**
   * Feature-map similarity (method B): needs the pipeline's calibration batch, so a dataset must be
   * set ({@link CompressionPipeline.Builder#optData}).
   */
  public static Function<SelectorContext, RankSelector> similarity(
      double threshold, SimilarityMetric metric, int rankMultiple, ProgressListener progress) {
    return new SimilaritySelectorProvider()
        .bind(new SimilaritySelectorProvider.Options(threshold, metric, rankMultiple), progress);
  }
}
