package org.lowrank.decomp;

import java.util.Arrays;
import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.PivotedQrDecomposition;
import org.lowrank.tensor.DenseTensor;

/**
 * Rank-r truncated column-pivoted QR of W[m, n]: W P = Q R (dgeqp3), W ~ Q_r R_r P^T, returned as a
 * {@link LowRankMatrix} with A = Q_r [m, r] (orthonormal columns) and B = R_r P^T [r, n] (pivoting
 * undone: B[:, p_j] = R[:r, j]). Error ||R_22||_F, close to but not better than the truncated SVD.
 */
public final class PivotedQr implements Factorizer<LowRankMatrix> {
  private static final String NAME = "PivotedQr";
  private final LinearAlgebra la;

  private PivotedQr(LinearAlgebra la) {
    this.la = Objects.requireNonNull(la);
  }

  public static PivotedQr create() {
    return new PivotedQr(LinearAlgebra.defaultInstance());
  }

  public static PivotedQr create(LinearAlgebra la) {
    return new PivotedQr(la);
  }

  /** {@code ranks} is the single rank r in 1..min(m, n). */
  @Override
  public LowRankMatrix factorize(DenseTensor w, int... ranks) {
    Checks.requireRankCount(NAME, ranks, 1, "the matrix rank r");
    if (w.order() != 2) {
      throw new IllegalArgumentException(
          NAME + ": expected a matrix [m, n], got shape " + Arrays.toString(w.shape()));
    }
    int m = w.dim(0);
    int n = w.dim(1);
    int r = ranks[0];
    Checks.requireRank(NAME, "rank", r, Math.min(m, n), w.shape());
    Checks.requireFinite(NAME, w);
    PivotedQrDecomposition qr = la.pivotedQr(w.toArray(), m, n);
    int k = qr.size();
    double[] a = TruncatedSvd.columns(qr.q(), m, k, r);
    double[] b = new double[r * n];
    int[] p = qr.permutation();
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < n; j++) {
        b[i * n + p[j]] = qr.r()[i * n + j];
      }
    }
    return new LowRankMatrix(DenseTensor.of(a, m, r), DenseTensor.of(b, r, n));
  }

  /** r (m + n), like the SVD (the triangular structure of R is lost after un-pivoting). */
  public static long parameterCount(int m, int n, int r) {
    return LowRankMatrix.parameterCount(m, n, r);
  }
}
