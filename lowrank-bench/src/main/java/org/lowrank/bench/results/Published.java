package org.lowrank.bench.results;

import java.util.List;

/**
 * The published figures RESULTS.md compares against, copied from MISSION.md (the only numbers in
 * RESULTS.md not produced by a run). Every row built from them carries a "published (...)" label.
 */
public final class Published {
  /** Label of rows from method A's paper. */
  public static final String RENE = "published (RENE, arXiv 2409.03555)";

  /** Label of rows from method B's paper. */
  public static final String DSE =
      "published (Kokhazadeh et al., arXiv 2510.00062; avg. of 14 CNNs, 8 datasets)";

  private Published() {}

  /**
   * One published compression result.
   *
   * @param model model and dataset
   * @param method factorization method
   * @param top1Before top-1 of the original model, % (NaN when not published)
   * @param top1After top-1 after compression and fine-tuning, % (NaN when not published)
   * @param flopsRemoved FLOPs removed, % (NaN when not published)
   * @param paramsRemoved parameters removed, %
   */
  public record Figure(
      String model,
      String method,
      double top1Before,
      double top1After,
      double flopsRemoved,
      double paramsRemoved) {

    /** Accuracy drop in points (before - after), NaN when either is unpublished. */
    public double drop() {
      return top1Before - top1After;
    }
  }

  /** RENE on ResNet-20 / CIFAR-10 (MISSION.md). */
  public static final List<Figure> RENE_RESNET20 =
      List.of(
          new Figure("ResNet-20 (CIFAR-10)", "CP", 91.25, 90.82, 73.44, 77.62),
          new Figure("ResNet-20 (CIFAR-10)", "TT", 91.25, 91.40, 70.40, 72.28));

  /** Method B's averages of parameters removed per layer type at < 1.5 points accuracy loss. */
  public static final List<Figure> DSE_AVERAGES =
      List.of(
          new Figure("conv layers", "Tucker", Double.NaN, Double.NaN, Double.NaN, 77.8),
          new Figure("conv layers", "CP", Double.NaN, Double.NaN, Double.NaN, 71.2),
          new Figure("conv layers", "TT", Double.NaN, Double.NaN, Double.NaN, 76.0),
          new Figure("conv layers", "hybrid", Double.NaN, Double.NaN, Double.NaN, 82.5),
          new Figure("FC layers", "SVD", Double.NaN, Double.NaN, Double.NaN, 79.1),
          new Figure("FC layers", "QR", Double.NaN, Double.NaN, Double.NaN, 79.7),
          new Figure("FC layers", "TT-matrix", Double.NaN, Double.NaN, Double.NaN, 81.0),
          new Figure("FC layers", "hybrid", Double.NaN, Double.NaN, Double.NaN, 92.7));

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
