package org.lowrank.train.dse;

import java.util.Arrays;
import java.util.Objects;
import org.lowrank.decomp.ConvKernels;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.decomp.ConvergenceException;
import org.lowrank.decomp.CpAls;
import org.lowrank.decomp.PivotedQr;
import org.lowrank.decomp.Tucker;
import org.lowrank.decomp.Tucker2;
import org.lowrank.decomp.TruncatedSvd;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.Choice;
import org.lowrank.tensor.DenseTensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dense weight Ŵ a {@link Choice} stands for: the layer's weight W factorized at the choice's
 * ranks by the decompositions of {@code org.lowrank.decomp}, then reconstructed (same shape as W).
 * Running the original op with Ŵ equals running the factorized chain up to float rounding, and is
 * much cheaper to evaluate during a search.
 *
 * <ul>
 *   <li>Tucker-2 (r_out, r_in): {@link Tucker2} by HOOI on the two channel modes;
 *   <li>TT (r1, r2): {@link ConvTensorTrainSvd} (TT-SVD of the [Cout, K, Cin] view);
 *   <li>CP (R): {@link CpAls} on the [Cout, K, Cin] view (CP3), SVD init, seeded; if ALS fails to
 *       converge it is retried once with a 1e-6 ridge;
 *   <li>SVD, QR (r): {@link TruncatedSvd}, {@link PivotedQr} of W [out, in].
 * </ul>
 *
 * TT-matrix is not supported here (it needs mode choices the candidate grid does not make).
 * Immutable and thread-safe if the {@link LinearAlgebra} is.
 */
public final class WeightApproximation {
  private static final Logger LOG = LoggerFactory.getLogger(WeightApproximation.class);

  private final LinearAlgebra la;
  private final long seed;
  private final int cpMaxIterations;
  private final double cpTolerance;

  /**
   * @param la the BLAS/LAPACK backend
   * @param seed seed of CP-ALS (its random columns beyond the SVD init)
   * @param cpMaxIterations CP-ALS sweeps at most
   * @param cpTolerance CP-ALS stops when the relative error changes by less than this
   */
  public WeightApproximation(LinearAlgebra la, long seed, int cpMaxIterations, double cpTolerance) {
    this.la = Objects.requireNonNull(la, "la");
    if (cpMaxIterations < 1) {
      throw new IllegalArgumentException("CP-ALS iterations must be >= 1, found " + cpMaxIterations);
    }
    if (!(cpTolerance > 0)) {
      throw new IllegalArgumentException("CP-ALS tolerance must be > 0, found " + cpTolerance);
    }
    this.seed = seed;
    this.cpMaxIterations = cpMaxIterations;
    this.cpTolerance = cpTolerance;
  }

  /** Whether {@link #reconstruct} handles this method. */
  public static boolean supports(org.lowrank.plan.Method m) {
    return m != org.lowrank.plan.Method.TTM;
  }

  /**
   * Ŵ for {@code choice} on weight {@code w} (conv [Cout, Cin, k..], dense [out, in]).
   *
   * @throws IllegalArgumentException if the method does not fit the weight or a rank is infeasible
   * @throws ConvergenceException if CP-ALS fails even with a ridge
   */
  public DenseTensor reconstruct(DenseTensor w, Choice choice) {
    int[] r = choice.ranks();
    boolean conv = w.order() >= 3;
    if (choice.method().forConv() != conv) {
      throw new IllegalArgumentException(
          "method " + choice.method().cliName() + " does not apply to a weight of shape "
              + Arrays.toString(w.shape()) + " (conv weights are [Cout, Cin, k..], dense [out, in])");
    }
    return switch (choice.method()) {
      case TUCKER2 -> Tucker2.create(Tucker.Method.HOOI, la).factorize(w, r[0], r[1]).reconstruct();
      case TT -> ConvTensorTrainSvd.create(la, false).factorize(w, r[0], r[1]).reconstruct();
      case CP -> cp(w, r[0]);
      case SVD -> TruncatedSvd.builder().optLinearAlgebra(la).build().factorize(w, r[0]).reconstruct();
      case QR -> PivotedQr.create(la).factorize(w, r[0]).reconstruct();
      case TTM -> throw new IllegalArgumentException(
          "ttm candidates are not evaluated by the similarity search (no TT-matrix mode choice)");
    };
  }

  private DenseTensor cp(DenseTensor w, int rank) {
    DenseTensor t = ConvKernels.threeWay(w);
    CpAls.Builder b = CpAls.builder().optLinearAlgebra(la).optSeed(seed)
        .optMaxIterations(cpMaxIterations).optTolerance(cpTolerance);
    DenseTensor fit;
    try {
      fit = b.build().factorize(t, rank).reconstruct();
    } catch (ConvergenceException e) {
      LOG.debug("CP-ALS rank {} failed ({}); retrying with ridge 1e-6", rank, e.getMessage());
      fit = b.optRidge(1e-6).build().factorize(t, rank).reconstruct();
    }
    return ConvKernels.fromThreeWay(fit, ConvKernels.spatialShape(w));
  }
}
