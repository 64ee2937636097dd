package org.lowrank.decomp;

import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.Svd;
import org.lowrank.linalg.SymmetricEigen;
import org.lowrank.tensor.DenseTensor;

/**
 * Left singular vectors and squared singular values of a row-major m x n matrix A, the building
 * block of HOSVD, HOOI, TT-SVD and the CP SVD initialization.
 *
 * <p>Two routes: the eigendecomposition of the Gram matrix A A^T (m^2 n + O(m^3) flops, used when A
 * is wide, m &lt;= n, or when more than min(m, n) vectors are needed), or a thin SVD (dgesdd) when
 * A is tall or {@code exact} is requested. The Gram route squares the condition number: a singular
 * value below ~1e-8 sigma_1 loses relative accuracy, but the leading subspace (what truncation
 * keeps) stays accurate to ~eps sigma_1^2 / (sigma_r^2 - sigma_{r+1}^2).
 *
 * @param rows m
 * @param available number of vectors held (m on the Gram route, min(m, n) on the SVD route)
 * @param squaredValues sigma_i^2, non-increasing, non-negative, length available
 * @param vectors m x available row-major, orthonormal columns
 */
record LeftSpectrum(int rows, int available, double[] squaredValues, double[] vectors) {

  static LeftSpectrum of(LinearAlgebra la, double[] a, int m, int n, boolean exact, int needed) {
    int min = Math.min(m, n);
    boolean gram = needed > min || (!exact && m <= n);
    if (gram) {
      SymmetricEigen e = la.symmetricEigen(la.gram(a, m, n, true), m);
      double[] sq = e.values().clone();
      for (int i = 0; i < sq.length; i++) {
        sq[i] = Math.max(0, sq[i]);
      }
      return new LeftSpectrum(m, m, sq, e.vectors());
    }
    Svd svd = la.svd(a, m, n);
    double[] sq = new double[min];
    for (int i = 0; i < min; i++) {
      sq[i] = svd.singularValues()[i] * svd.singularValues()[i];
    }
    return new LeftSpectrum(m, min, sq, svd.u());
  }

  /** The spectrum of the mode-{@code mode} unfolding of x (column order does not matter here). */
  static LeftSpectrum ofMode(LinearAlgebra la, DenseTensor x, int mode, boolean exact, int needed) {
    int n = x.order();
    int[] perm = new int[n];
    perm[0] = mode;
    for (int k = 0, p = 1; k < n; k++) {
      if (k != mode) {
        perm[p++] = k;
      }
    }
    int rows = x.dim(mode);
    int cols = rows == 0 ? 0 : x.size() / rows;
    return of(la, x.permute(perm).toArray(), rows, cols, exact, needed);
  }

  /** The first k columns U_k, m x k row-major. */
  double[] leading(int k) {
    if (k > available) {
      throw new IllegalStateException("asked for " + k + " singular vectors, only " + available + " held");
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
