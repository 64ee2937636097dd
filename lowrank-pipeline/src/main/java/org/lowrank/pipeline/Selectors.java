package org.lowrank.pipeline;

import java.util.function.Function;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.select.EnergySelector;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.RatioSelector;
import org.lowrank.plan.select.VbmfSelector;

/** Factories of the rank selectors, for {@link CompressionPipeline.Builder#optSelector}. */
public final class Selectors {
  private Selectors() {}

  /** Energy threshold (fraction of squared Frobenius norm kept per factored unfolding). */
  public static Function<CompressionPipeline.SelectorContext, RankSelector> energy(
      double threshold, int rankMultiple) {
    return ctx -> new EnergySelector(threshold, rankMultiple, LinearAlgebra.defaultInstance());
  }

  /** Fixed ratio of the full rank (scaled to meet a budget). */
  public static Function<CompressionPipeline.SelectorContext, RankSelector> ratio(
      double ratio, int rankMultiple) {
    return ctx -> new RatioSelector(ratio, rankMultiple);
  }

  /** EVBMF ranks (scaled to meet a budget). */
  public static Function<CompressionPipeline.SelectorContext, RankSelector> vbmf(int rankMultiple) {
    return ctx -> new VbmfSelector(rankMultiple, LinearAlgebra.defaultInstance());
  }
}
