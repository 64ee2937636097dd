package org.lowrank.train.search;

import java.util.List;
import org.lowrank.cost.Cost;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.plan.select.SelectorProvider;
import org.lowrank.progress.ProgressListener;

/**
 * Provides {@link DataFreeSelector} (method A) as "datafree": softmax-relaxed ranks trained on
 * weight reconstruction times a rank cost, under the pipeline's budget; no data and no options.
 */
public final class DataFreeSelectorProvider
    implements SelectorProvider<DataFreeSelectorProvider.Options> {

  /** No settings beyond the pipeline's budget and seed. */
  public record Options() {}

  @Override
  public String name() {
    return "datafree";
  }

  @Override
  public String description() {
    return "a rank search on the weights under the budget, no data";
  }

  @Override
  public String scoreLabel() {
    return "1 - relative reconstruction error";
  }

  @Override
  public int order() {
    return 20;
  }

  @Override
  public List<SelectorOption> options() {
    return List.of();
  }

  @Override
  public Options options(SelectorOption.Values v) {
    return new Options();
  }

  @Override
  public RankSelector create(Options o, SelectorContext ctx, ProgressListener progress) {
    return new DataFreeSelector(
        ctx.layers(),
        ctx.budget(),
        new Cost(ctx.profile().totalParams(), ctx.profile().totalMacs()),
        ctx.seed(),
        progress);
  }
}
