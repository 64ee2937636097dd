package org.lowrank.linalg;

/**
 * Eigendecomposition A = V diag(w) V^T of a symmetric n x n matrix (LAPACK dsyevd).
 *
 * @param size n
 * @param values w, length n, in non-increasing order
 * @param vectors V, n x n row-major; column j (elements {@code vectors[i * n + j]}) is the unit
 *     eigenvector of {@code values[j]}
 */
public record SymmetricEigen(int size, double[] values, double[] vectors) {}
