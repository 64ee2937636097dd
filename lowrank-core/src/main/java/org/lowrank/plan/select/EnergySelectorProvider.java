package org.lowrank.plan.select;

import java.util.List;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.progress.ProgressListener;

/** Provides {@link EnergySelector} as "energy": {@code --energy}, {@code --rank-multiple}. */
public final class EnergySelectorProvider
    implements SelectorProvider<EnergySelectorProvider.Options> {
  static final SelectorOption ENERGY =
      new SelectorOption(
          "--energy",
          Double.class,
          "E",
          "" + EnergySelector.DEFAULT_THRESHOLD,
          "Energy fraction each factorized layer keeps, 1 - ||W - W'||^2 / ||W||^2 (a layer no method "
              + "can factorize that well is kept)");

  /**
   * @param threshold energy fraction in (0, 1] each factorized layer keeps
   * @param rankMultiple round ranks up to a multiple of this (1 = no rounding), and its source
   */
  public record Options(double threshold, org.lowrank.cost.RankMultiple rankMultiple) {
    /** A rank multiple given as a number. */
    public Options(double threshold, int rankMultiple) {
      this(threshold, org.lowrank.cost.RankMultiple.given(rankMultiple));
    }
  }

  @Override
  public String name() {
    return "energy";
  }

  @Override
  public String description() {
    return "weight energy kept per layer";
  }

  @Override
  public String scoreLabel() {
    return "energy kept";
  }

  @Override
  public int order() {
    return 40;
  }

  @Override
  public List<SelectorOption> options() {
    return List.of(ENERGY, SelectorOption.RANK_MULTIPLE);
  }

  @Override
  public Options options(SelectorOption.Values v) {
    return new Options(v.getDouble(ENERGY), SelectorOption.rankMultiple(v));
  }

  /**
   * CP candidates are scored with the pipeline's seed, as {@code compress} deploys them; without a
   * budget (a context with budget none) only as far as each layer's threshold choice needs, under
   * one from the bottom up as far as the allocation reaches.
   */
  @Override
  public RankSelector create(Options o, SelectorContext ctx, ProgressListener progress) {
    return new EnergySelector(
        o.threshold(),
        o.rankMultiple(),
        ctx.seed(),
        LinearAlgebra.defaultInstance(),
        ctx.budget() != null && ctx.budget().isNone()
            ? EnergySelector.CpScoring.THRESHOLD
            : EnergySelector.CpScoring.WIDENING,
        ctx.cpFits());
  }
}
