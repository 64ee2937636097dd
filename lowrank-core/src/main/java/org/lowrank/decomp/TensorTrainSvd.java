package org.lowrank.decomp;

import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * TT-SVD (Oseledets 2011): a {@link TensorTrain} of an order-d tensor by d-1 sequential truncated
 * SVDs, either at given ranks or at the smallest ranks meeting a relative error tolerance
 * (quasi-optimal: error at most sqrt(d-1) times the best TT approximation of those ranks).
 */
public final class TensorTrainSvd implements Factorizer<TensorTrain> {
  private static final String NAME = "TensorTrainSvd";
  private final LinearAlgebra la;
  private final boolean exactSvd;

  private TensorTrainSvd(LinearAlgebra la, boolean exactSvd) {
    this.la = Objects.requireNonNull(la);
    this.exactSvd = exactSvd;
  }

  public static TensorTrainSvd create() {
    return new TensorTrainSvd(LinearAlgebra.defaultInstance(), false);
  }

  /**
   * @param exactSvd dgesdd on every unfolding instead of Gram eigendecompositions of wide ones
   */
  public static TensorTrainSvd create(LinearAlgebra la, boolean exactSvd) {
    return new TensorTrainSvd(la, exactSvd);
  }

  /**
   * @param ranks r_1..r_{d-1}; r_k must be in 1..min(r_{k-1} I_k, prod_{j > k} I_j)
   */
  @Override
  public TensorTrain factorize(DenseTensor x, int... ranks) {
    Checks.requireOrder(NAME, x, 2, Integer.MAX_VALUE);
    Checks.requireRankCount(NAME, ranks, x.order() - 1, "r_1..r_{d-1}");
    Checks.requireFinite(NAME, x);
    return new TensorTrain(TtSweep.sweep(la, x, TtSweep.fixed(NAME, ranks, x.shape()), exactSvd));
  }

  /**
   * The smallest ranks with ||X - TT||_F &lt;= relTol ||X||_F, each at most {@code maxRank} (when
   * the cap binds, the tolerance may not be met). Tolerances below 1e-6 switch to exact SVDs: Gram
   * eigenvalues cannot resolve discarded energy below ~1e-16 ||X||^2.
   */
  public TensorTrain factorizeWithTolerance(DenseTensor x, double relTol, int maxRank) {
    Checks.requireOrder(NAME, x, 2, Integer.MAX_VALUE);
    if (!(relTol >= 0) || maxRank < 1) {
      throw new IllegalArgumentException(
          NAME + ": need relTol >= 0 and maxRank >= 1, got " + relTol + " and " + maxRank);
    }
    Checks.requireFinite(NAME, x);
    return new TensorTrain(
        TtSweep.sweep(
            la,
            x,
            TtSweep.tolerance(relTol, x.frobeniusNorm(), x.order(), maxRank),
            exactSvd || relTol < 1e-6));
  }

  /**
   * Largest useful ranks r_k = min(prod_{j &lt;= k} I_j, prod_{j > k} I_j) (exact representation).
   */
  public static int[] fullRanks(int[] shape) {
    return TtSweep.fullRanks(shape);
  }

  /** sum_k r_{k-1} I_k r_k. */
  public static long parameterCount(int[] shape, int[] ranks) {
    return TensorTrain.parameterCount(shape, ranks);
  }
}
