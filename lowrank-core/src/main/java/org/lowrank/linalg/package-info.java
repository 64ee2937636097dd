/**
 * Dense linear algebra facade: GEMM, Gram matrices, thin SVD, column-pivoted QR, symmetric
 * eigendecomposition and linear solves on row-major {@code double[]} matrices, backed by native
 * OpenBLAS/LAPACKE (JavaCPP preset). Obtain an instance from {@link
 * org.lowrank.linalg.LinearAlgebra#openBlas(int)} or {@link
 * org.lowrank.linalg.LinearAlgebra#defaultInstance()}. Used by {@code org.lowrank.tensor} and
 * {@code org.lowrank.decomp}; no other package should call BLAS/LAPACK directly.
 */
package org.lowrank.linalg;
