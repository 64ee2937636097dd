package org.lowrank.plan.select;

import java.util.List;
import org.lowrank.progress.ProgressListener;

/** Provides {@link RatioSelector} as "ratio": {@code --ratio}, {@code --rank-multiple}. */
public final class RatioSelectorProvider
    implements SelectorProvider<RatioSelectorProvider.Options> {
  static final SelectorOption RATIO =
      new SelectorOption(
          "--ratio", Double.class, "R", "0.25", "Rank / full rank (1 keeps every layer as it is)");

  /**
   * @param ratio rank / full rank, scaled to meet a budget
   * @param rankMultiple round ranks up to a multiple of this (1 = no rounding), and its source
   */
  public record Options(double ratio, org.lowrank.cost.RankMultiple rankMultiple) {
    /** A rank multiple given as a number. */
    public Options(double ratio, int rankMultiple) {
      this(ratio, org.lowrank.cost.RankMultiple.given(rankMultiple));
    }
  }

  @Override
  public String name() {
    return "ratio";
  }

  @Override
  public String description() {
    return "a fixed fraction of each layer's full rank";
  }

  @Override
  public String scoreLabel() {
    return "energy kept";
  }

  @Override
  public int order() {
    return 50;
  }

  @Override
  public List<SelectorOption> options() {
    return List.of(RATIO, SelectorOption.RANK_MULTIPLE);
  }

  @Override
  public Options options(SelectorOption.Values v) {
    return new Options(v.getDouble(RATIO), SelectorOption.rankMultiple(v));
  }

  @Override
  public RankSelector create(Options o, SelectorContext ctx, ProgressListener progress) {
    return new RatioSelector(o.ratio(), o.rankMultiple());
  }
}
