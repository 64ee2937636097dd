package org.lowrank.linalg;

/**
 * A thin singular value decomposition A = U diag(s) V^T of an m x n matrix, k = min(m, n).
 *
 * @param rows m
 * @param cols n
 * @param u U, m x k row-major, orthonormal columns
 * @param singularValues s, length k, non-increasing, non-negative
 * @param vt V^T, k x n row-major, orthonormal rows
 */
public record Svd(int rows, int cols, double[] u, double[] singularValues, double[] vt) {
  /** k = min(m, n), the number of singular triplets. */
  public int size() {
    return singularValues.length;
  }
}
