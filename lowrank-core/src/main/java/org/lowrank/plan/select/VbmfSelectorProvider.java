package org.lowrank.plan.select;

import java.util.List;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.progress.ProgressListener;

/** Provides {@link VbmfSelector} as "vbmf": {@code --rank-multiple}. */
public final class VbmfSelectorProvider implements SelectorProvider<VbmfSelectorProvider.Options> {

  /**
   * @param rankMultiple round ranks up to a multiple of this (1 = no rounding)
   */
  public record Options(org.lowrank.cost.RankMultiple rankMultiple) {
    /** A rank multiple given as a number. */
    public Options(int rankMultiple) {
      this(org.lowrank.cost.RankMultiple.given(rankMultiple));
    }
  }

  @Override
  public String name() {
    return "vbmf";
  }

  @Override
  public String description() {
    return "EVBMF ranks of each layer's unfoldings";
  }

  @Override
  public String scoreLabel() {
    return "energy kept";
  }

  @Override
  public int order() {
    return 30;
  }

  @Override
  public List<SelectorOption> options() {
    return List.of(SelectorOption.RANK_MULTIPLE);
  }

  @Override
  public Options options(SelectorOption.Values v) {
    return new Options(SelectorOption.rankMultiple(v));
  }

  @Override
  public RankSelector create(Options o, SelectorContext ctx, ProgressListener progress) {
    return new VbmfSelector(o.rankMultiple(), LinearAlgebra.defaultInstance());
  }
}
