package org.lowrank.bench.results;

/**
 * The published targets the experiments are judged against (issues 5 and 7, from MISSION.md). The
 * published rows shown beside ours are data: the {@code published/...} lines of {@code
 * results/experiments.jsonl}, each labelled with its source.
 */
public final class Published {
  private Published() {}

  /** Issue 7's targets for experiment 1 (RENE's best ResNet-20 row and the promised speedup). */
  public static final Target PARAMS_REMOVED_R20 = Target.atLeast("params removed", 77.6, "%");

  public static final Target DROP_R20 = Target.atMost("top-1 drop after fine-tuning", 0.4, " pts");
  public static final Target SPEEDUP = Target.atLeast("ORT speedup", 1.8, "x");

  /** Issue 7's targets for experiment 2 (method B's hybrid averages). */
  public static final Target FC_REMOVED = Target.atLeast("FC params removed", 92.7, "%");

  public static final Target CONV_REMOVED = Target.atLeast("conv params removed", 82.5, "%");
  public static final Target DROP_FASHION = Target.atMost("top-1 drop", 1.5, " pts");

  /** Issue 5's search-time goals (experiment 5): seconds on 2 cores. */
  public static final Target DATAFREE_SEARCH_R56 =
      Target.atMost("data-free search on ResNet-56", 60, " s");

  public static final Target DSE_SEARCH = Target.atMost("feature-map DSE", 300, " s");
}
