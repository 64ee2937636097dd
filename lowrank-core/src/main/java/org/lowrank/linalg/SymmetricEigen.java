package org.lowrank.linalg;

/**
 * Eigendecomposition A = V diag(w) V^T of a symmetric n x n matrix (LAPACK dsyevd), or its k
 * largest eigenpairs (dsyevr).
 *
 * @param size n
 * @param values w, length k (k = n for the full decomposition), in non-increasing order
 * @param vectors V, n x k row-major; column j (elements {@code vectors[i * k + j]}) is the unit
 *     eigenvector of {@code values[j]}
 */
public record SymmetricEigen(int size, double[] values, double[] vectors) {
  /** k, the number of eigenpairs held. */
  public int count() {
    return values.length;
  }
}
