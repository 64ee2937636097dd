package org.lowrank.decomp;

import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.Svd;
import org.lowrank.linalg.SymmetricEigen;
import org.lowrank.tensor.DenseTensor;

/**
 * Rank-r truncated SVD of a matrix W[m, n] ~ U_r S_r V_r^T (Eckart-Young optimal), returned as a
 * {@link LowRankMatrix} A B split according to {@link Split}.
 *
 * <p>Algorithm {@link Algorithm#GRAM} (default): eigendecomposition of the smaller Gram matrix (W^T
 * W or W W^T, dsyrk + dsyevd), projection onto the leading r eigenvectors and a thin SVD of the
 * projected m x r (or r x n) matrix; about 2 m n min(m,n) + 2 m n r flops instead of the full
 * divide-and-conquer SVD. {@link Algorithm#DIVIDE_AND_CONQUER} runs dgesdd on W.
 */
public final class TruncatedSvd implements Factorizer<LowRankMatrix> {
  private static final String NAME = "TruncatedSvd";

  /** How S is distributed between the two factors. */
  public enum Split {
    /** A = U S^(1/2), B = S^(1/2) V^T (default: balanced factor norms, good for fine-tuning). */
    BALANCED,
    /** A = U S, B = V^T. */
    LEFT,
    /** A = U, B = S V^T. */
    RIGHT
  }

  /** How the leading singular triplets are computed. */
  public enum Algorithm {
    GRAM,
    DIVIDE_AND_CONQUER
  }

  private final LinearAlgebra la;
  private final Split split;
  private final Algorithm algorithm;

  private TruncatedSvd(Builder b) {
    this.la = b.la;
    this.split = b.split;
    this.algorithm = b.algorithm;
  }

  /** Balanced split, Gram algorithm, default backend. */
  public static TruncatedSvd create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The rank-r factorization; {@code ranks} is the single rank r in 1..min(m, n). */
  @Override
  public LowRankMatrix factorize(DenseTensor w, int... ranks) {
    Checks.requireRankCount(NAME, ranks, 1, "the matrix rank r");
    requireMatrix(w);
    int m = w.dim(0);
    int n = w.dim(1);
    Checks.requireRank(NAME, "rank", ranks[0], Math.min(m, n), w.shape());
    Checks.requireFinite(NAME, w);
    return toFormat(triplets(w, ranks[0]), m, n);
  }

  /**
   * The smallest rank whose kept energy sum_{i &lt;= r} sigma_i^2 reaches {@code fraction} of
   * ||W||_F^2 (fraction in (0, 1]; a zero matrix gives rank 1).
   */
  public LowRankMatrix factorizeEnergy(DenseTensor w, double fraction) {
    return factorize(w, rankForEnergy(singularValues(w), fraction));
  }

  /** Smallest r with sum_{i &lt; r} s_i^2 >= fraction sum_i s_i^2 (at least 1). */
  public static int rankForEnergy(double[] singularValues, double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException(
          NAME + ": energy fraction must be in (0, 1], got " + fraction);
    }
    double total = 0;
    for (double s : singularValues) {
      total += s * s;
    }
    double kept = 0;
    for (int r = 0; r < singularValues.length; r++) {
      kept += singularValues[r] * singularValues[r];
      if (kept >= fraction * total * (1 - 1e-15)) {
        return r + 1;
      }
    }
    return Math.max(1, singularValues.length);
  }

  /** All min(m, n) singular values of W, non-increasing (dgesdd without vectors). */
  public double[] singularValues(DenseTensor w) {
    requireMatrix(w);
    Checks.requireFinite(NAME, w);
    return la.singularValues(w.toArray(), w.dim(0), w.dim(1));
  }

  /** r (m + n). */
  public static long parameterCount(int m, int n, int r) {
    return LowRankMatrix.parameterCount(m, n, r);
  }

  private record Triplets(double[] u, double[] s, double[] vt, int r) {}

  private Triplets triplets(DenseTensor w, int r) {
    int m = w.dim(0);
    int n = w.dim(1);
    double[] a = w.toArray();
    if (algorithm == Algorithm.DIVIDE_AND_CONQUER) {
      Svd svd = la.svd(a, m, n);
      return new Triplets(
          columns(svd.u(), m, svd.size(), r),
          java.util.Arrays.copyOf(svd.singularValues(), r),
          java.util.Arrays.copyOf(svd.vt(), r * n),
          r);
    }
    if (m >= n) {
      // V_r from W^T W; Y = W V_r = U_y S V_y^T; W_r = U_y S (V_r V_y)^T.
      SymmetricEigen e = topEigen(la.gram(a, m, n, false), n, r);
      double[] vr = columns(e.vectors(), n, e.count(), r);
      double[] y = la.multiply(false, false, m, r, n, a, vr);
      Svd small = la.svd(y, m, r);
      double[] vt = la.multiply(false, true, r, n, r, small.vt(), vr);
      return new Triplets(small.u(), small.singularValues(), vt, r);
    }
    // U_r from W W^T; Y = U_r^T W = U_y S V_y^T; W_r = (U_r U_y) S V_y^T.
    SymmetricEigen e = topEigen(la.gram(a, m, n, true), m, r);
    double[] ur = columns(e.vectors(), m, e.count(), r);
    double[] y = la.multiply(true, false, r, n, m, ur, a);
    Svd small = la.svd(y, r, n);
    double[] u = la.multiply(false, false, m, r, r, ur, small.u());
    return new Triplets(u, small.singularValues(), small.vt(), r);
  }

  private SymmetricEigen topEigen(double[] gram, int n, int r) {
    return r <= n / 4 ? la.symmetricEigen(gram, n, r) : la.symmetricEigen(gram, n);
  }

  private LowRankMatrix toFormat(Triplets t, int m, int n) {
    int r = t.r;
    double[] a = t.u.clone();
    double[] b = t.vt.clone();
    for (int c = 0; c < r; c++) {
      double s = t.s[c];
      double left = split == Split.LEFT ? s : split == Split.RIGHT ? 1 : Math.sqrt(s);
      double right = split == Split.RIGHT ? s : split == Split.LEFT ? 1 : Math.sqrt(s);
      for (int i = 0; i < m; i++) {
        a[i * r + c] *= left;
      }
      for (int j = 0; j < n; j++) {
        b[c * n + j] *= right;
      }
    }
    return new LowRankMatrix(DenseTensor.of(a, m, r), DenseTensor.of(b, r, n));
  }

  static double[] columns(double[] x, int rows, int cols, int k) {
    double[] out = new double[rows * k];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(x, i * cols, out, i * k, k);
    }
    return out;
  }

  private static void requireMatrix(DenseTensor w) {
    if (w.order() != 2) {
      throw new IllegalArgumentException(
          NAME
              + ": expected a matrix [m, n], got shape "
              + java.util.Arrays.toString(w.shape())
              + " (reshape a dense layer weight to [out, in])");
    }
  }

  /** Builder: all options optional. */
  public static final class Builder {
    private LinearAlgebra la = LinearAlgebra.defaultInstance();
    private Split split = Split.BALANCED;
    private Algorithm algorithm = Algorithm.GRAM;

    private Builder() {}

    public Builder optLinearAlgebra(LinearAlgebra la) {
      this.la = Objects.requireNonNull(la);
      return this;
    }

    public Builder optSplit(Split split) {
      this.split = Objects.requireNonNull(split);
      return this;
    }

    public Builder optAlgorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm);
      return this;
    }

    public TruncatedSvd build() {
      return new TruncatedSvd(this);
    }
  }
}
