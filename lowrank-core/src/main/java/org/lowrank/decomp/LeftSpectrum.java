package org.lowrank.decomp;

import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.Svd;
import org.lowrank.linalg.SymmetricEigen;
import org.lowrank.tensor.DenseTensor;

/**
 * Left singular vectors and squared singular values of a row-major m x n matrix A, the building
 * block of HOSVD, HOOI, TT-SVD and the CP SVD initialization.
 *
 * <p>Routes: the eigendecomposition of the Gram matrix A A^T (m^2 n + O(m^3) flops, used when A is
 * wide, m &lt;= n, or when more than min(m, n) vectors are needed; only the top k eigenpairs when k
 * &lt;= m/4); for a tall A with a known k, the top k eigenvectors V_k of A^T A followed by the thin
 * SVD of A V_k; otherwise, or when {@code exact} is requested, a thin SVD (dgesdd) of A. The Gram
 * route squares the condition number: a singular value below ~1e-8 sigma_1 loses relative accuracy,
 * but the leading subspace (what truncation keeps) stays accurate to ~eps sigma_1^2 / (sigma_r^2 -
 * sigma_{r+1}^2).
 *
 * @param rows m
 * @param available number of vectors held (m on the Gram route, min(m, n) on the SVD route)
 * @param squaredValues sigma_i^2, non-increasing, non-negative, length available
 * @param vectors m x available row-major, orthonormal columns
 */
record LeftSpectrum(int rows, int available, double[] squaredValues, double[] vectors) {

  static LeftSpectrum of(LinearAlgebra la, double[] a, int m, int n, boolean exact, int needed) {
    int min = Math.min(m, n);
    if (isWide(m, n, exact, needed)) {
      double[] gram = la.gram(a, m, n, true);
      return wide(la, gram, m, needed, () -> la.symmetricEigen(gram, m));
    }
    if (!exact && needed > 0) {
      // Tall, rank known: V_k from A^T A, then the thin SVD of Y = A V_k (m x k) gives U_k and S_k.
      double[] gram = la.gram(a, m, n, false);
      SymmetricEigen e =
          needed <= n / 4 ? la.symmetricEigen(gram, n, needed) : la.symmetricEigen(gram, n);
      double[] vk = TruncatedSvd.columns(e.vectors(), n, e.count(), needed);
      Svd small = la.svd(la.multiply(false, false, m, needed, n, a, vk), m, needed);
      return new LeftSpectrum(m, needed, squares(small.singularValues()), small.u());
    }
    Svd svd = la.svd(a, m, n);
    return new LeftSpectrum(m, min, squares(svd.singularValues()), svd.u());
  }

  /** Whether {@link #of} takes the Gram route A A^T for an m x n A. */
  static boolean isWide(int m, int n, boolean exact, int needed) {
    return needed > Math.min(m, n) || (!exact && m <= n);
  }

  /**
   * The Gram route of {@link #of}: eigenvectors of {@code gram} = A A^T (m x m), only the top
   * {@code needed} when that is a small share (at most m/4), else all of them from {@code full}.
   */
  static LeftSpectrum wide(
      LinearAlgebra la,
      double[] gram,
      int m,
      int needed,
      java.util.function.Supplier<SymmetricEigen> full) {
    SymmetricEigen e =
        needed > 0 && needed <= m / 4 ? la.symmetricEigen(gram, m, needed) : full.get();
    return new LeftSpectrum(m, e.count(), clampNonNegative(e.values()), e.vectors());
  }

  private static double[] squares(double[] s) {
    double[] sq = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      sq[i] = s[i] * s[i];
    }
    return sq;
  }

  private static double[] clampNonNegative(double[] v) {
    double[] c = v.clone();
    for (int i = 0; i < c.length; i++) {
      c[i] = Math.max(0, c[i]);
    }
    return c;
  }

  /** The spectrum of the mode-{@code mode} unfolding of x (column order does not matter here). */
  static LeftSpectrum ofMode(LinearAlgebra la, DenseTensor x, int mode, boolean exact, int needed) {
    int rows = x.dim(mode);
    int cols = rows == 0 ? 0 : x.size() / rows;
    return of(la, unfolding(x, mode), rows, cols, exact, needed);
  }

  /** The mode-{@code mode} unfolding of x, I_mode x (prod of the others), row-major. */
  static double[] unfolding(DenseTensor x, int mode) {
    int n = x.order();
    int[] perm = new int[n];
    perm[0] = mode;
    for (int k = 0, p = 1; k < n; k++) {
      if (k != mode) {
        perm[p++] = k;
      }
    }
    return x.permute(perm).toArray();
  }

  /** The first k columns U_k, m x k row-major. */
  double[] leading(int k) {
    if (k > available) {
      throw new IllegalStateException(
          "asked for " + k + " singular vectors, only " + available + " held");
    }
    double[] u = new double[rows * k];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(vectors, i * available, u, i * k, k);
    }
    return u;
  }

  /** sum of squared singular values. */
  double totalEnergy() {
    double s = 0;
    for (double v : squaredValues) {
      s += v;
    }
    return s;
  }

  /**
   * Smallest k >= 1 whose discarded tail sum_{i >= k} sigma_i^2 is at most {@code maxTail}; limited
   * to {@code cap}.
   */
  int rankForTail(double maxTail, int cap) {
    double tail = 0;
    int k = squaredValues.length;
    // walk from the end while the tail stays within budget
    while (k > 1 && tail + squaredValues[k - 1] <= maxTail) {
      tail += squaredValues[k - 1];
      k--;
    }
    return Math.max(1, Math.min(k, cap));
  }
}
