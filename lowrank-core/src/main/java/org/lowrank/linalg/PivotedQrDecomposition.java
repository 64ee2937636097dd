package org.lowrank.linalg;

/**
 * A thin column-pivoted QR decomposition A P = Q R of an m x n matrix, k = min(m, n) (LAPACK
 * dgeqp3). Column j of A P is column {@code permutation[j]} of A, so A = Q R P^T. The diagonal of R
 * has non-increasing magnitude, which makes leading-row truncation a rank-revealing approximation.
 *
 * @param rows m
 * @param cols n
 * @param q Q, m x k row-major, orthonormal columns
 * @param r R, k x n row-major, upper triangular (trapezoidal when k &lt; n)
 * @param permutation P as a 0-based column index map, length n
 */
public record PivotedQrDecomposition(
    int rows, int cols, double[] q, double[] r, int[] permutation) {
  /** k = min(m, n). */
  public int size() {
    return Math.min(rows, cols);
  }
}
