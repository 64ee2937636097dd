package org.lowrank.plan.select;

import java.util.Map;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;

/**
 * Fixed-ratio baseline: every layer keeps ranks ceil(ratio * full rank) (for CP, the rank at which
 * CP's parameters equal the layer's). A method at its full rank is no choice ({@link Planner}), so
 * ratio 1 keeps every layer as it is. Under a global budget the ratio is found by bisection.
 */
public final class RatioSelector implements RankSelector.Uniform {
  private final double ratio;
  private final int rankMultiple;
  private final String rankMultipleSource;

  public RatioSelector(double ratio, int rankMultiple) {
    this(ratio, org.lowrank.cost.RankMultiple.given(Math.max(1, rankMultiple)));
  }

  /** Ranks at {@code ratio} of full, rounded up to {@code rankMultiple} where the layer allows. */
  public RatioSelector(double ratio, org.lowrank.cost.RankMultiple rankMultiple) {
    if (!(ratio > 0 && ratio <= 1)) {
      throw new IllegalArgumentException("rank ratio must be in (0, 1], found " + ratio);
    }
    this.ratio = ratio;
    this.rankMultiple = rankMultiple.multiple();
    this.rankMultipleSource = rankMultiple.source();
  }

  @Override
  public String name() {
    return "ratio";
  }

  @Override
  public Map<String, Object> settings() {
    return Map.of(
        "ratio",
        ratio,
        "rank_multiple",
        (long) rankMultiple,
        "rank_multiple_source",
        rankMultipleSource);
  }

  @Override
  public double defaultScale() {
    return ratio;
  }

  @Override
  public double maxScale() {
    return 1;
  }

  @Override
  public int[] ranks(LayerInput layer, Method method, double scale) {
    int[] max = CostModel.maxRanks(layer.geometry(), method);
    return CandidateGrid.scaled(layer.geometry(), method, max, scale, rankMultiple).ranks();
  }
}
