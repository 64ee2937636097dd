package org.lowrank.linalg;

/**
 * Dense double-precision linear algebra on row-major {@code double[]} matrices. An m x n matrix A
 * holds A[i][j] at index {@code i * n + j}. Unless stated otherwise no argument is modified and
 * every result is a fresh array owned by the caller.
 *
 * <p>Implementations are thread-safe. The native thread count is a process-wide OpenBLAS setting:
 * each call applies this instance's {@link #threads()} before it runs.
 */
public interface LinearAlgebra {

  /** System property read by {@link #defaultInstance()} for the BLAS thread count (default 1). */
  String THREADS_PROPERTY = "lowrank.blas.threads";

  /** Native OpenBLAS/LAPACKE backend using {@code threads} BLAS threads (at least 1). */
  static LinearAlgebra openBlas(int threads) {
    return new OpenBlasLinearAlgebra(threads);
  }

  /**
   * A shared OpenBLAS instance with the thread count of system property {@value #THREADS_PROPERTY}
   * (default 1, the safe choice on a shared 2-core machine).
   */
  static LinearAlgebra defaultInstance() {
    return OpenBlasLinearAlgebra.DefaultHolder.INSTANCE;
  }

  /** Number of BLAS threads this instance runs with. */
  int threads();

  /**
   * C = alpha op(A) op(B) + beta C (BLAS dgemm), op(X) = X or X^T; op(A) is m x k, op(B) is k x n,
   * C is m x n. A is stored m x k (k x m when transposed), B k x n (n x k when transposed).
   * Modifies {@code c} only. 2mnk flops.
   */
  void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      double alpha,
      double[] a,
      double[] b,
      double beta,
      double[] c);

  /** Copies an m x n row-major matrix to native memory for repeated use as a GEMM operand. */
  NativeMatrix upload(double[] a, int m, int n);

  /**
   * {@link #gemm} with A held in native memory: op(A) is m x k and the buffer is read as a
   * row-major m x k (k x m when transposed) matrix, whatever shape it was uploaded with (only the
   * element count must match). Modifies {@code c} only.
   */
  void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      double alpha,
      NativeMatrix a,
      double[] b,
      double beta,
      double[] c);

  /**
   * A zeroed m x n native work matrix, reused as a GEMM operand or result across iterations
   * (refresh with {@link NativeMatrix#write}, read with {@link NativeMatrix#read}).
   */
  NativeMatrix allocate(int m, int n);

  /**
   * {@link #gemm} with A, B and C all in native memory, so no operand is copied: each buffer is
   * read as the row-major matrix the dimensions say (op(A) m x k, op(B) k x n, C m x n), whatever
   * shape it was created with; only element counts must match. Modifies {@code c} only.
   */
  void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      double alpha,
      NativeMatrix a,
      NativeMatrix b,
      double beta,
      NativeMatrix c);

  /** Returns op(A) op(B) (m x n) for a native A; see {@link #gemm}. */
  default double[] multiply(
      boolean transA, boolean transB, int m, int n, int k, NativeMatrix a, double[] b) {
    double[] c = new double[Math.multiplyExact(m, n)];
    gemm(transA, transB, m, n, k, 1.0, a, b, 0.0, c);
    return c;
  }

  /** Returns op(A) op(B) (m x n); see {@link #gemm}. */
  default double[] multiply(
      boolean transA, boolean transB, int m, int n, int k, double[] a, double[] b) {
    double[] c = new double[Math.multiplyExact(m, n)];
    gemm(transA, transB, m, n, k, 1.0, a, b, 0.0, c);
    return c;
  }

  /** Returns A B for A m x k and B k x n. */
  default double[] multiply(double[] a, double[] b, int m, int k, int n) {
    return multiply(false, false, m, n, k, a, b);
  }

  /**
   * Gram matrix of an m x n matrix A: A A^T (m x m) when {@code rowGram}, else A^T A (n x n), both
   * triangles filled (BLAS dsyrk, m^2 n resp. n^2 m flops).
   */
  double[] gram(double[] a, int m, int n, boolean rowGram);

  /** Thin SVD of an m x n matrix (LAPACK dgesdd, divide and conquer). */
  Svd svd(double[] a, int m, int n);

  /** Singular values only of an m x n matrix, non-increasing (LAPACK dgesdd, job 'N'). */
  double[] singularValues(double[] a, int m, int n);

  /** Thin column-pivoted QR of an m x n matrix (LAPACK dgeqp3 + dorgqr). */
  PivotedQrDecomposition pivotedQr(double[] a, int m, int n);

  /**
   * Eigendecomposition of a symmetric n x n matrix (LAPACK dsyevd); only the upper triangle is
   * read.
   */
  SymmetricEigen symmetricEigen(double[] a, int n);

  /**
   * The k largest eigenpairs of a symmetric n x n matrix (LAPACK dsyevr, MRRR): values length k,
   * vectors n x k. Cheaper than the full decomposition when k is well below n.
   */
  SymmetricEigen symmetricEigen(double[] a, int n, int k);

  /**
   * Solves A X = B for X (LAPACK dgesv, LU with partial pivoting); A is n x n, B and X are n x
   * nrhs.
   *
   * @throws LinearAlgebraException if A is exactly singular
   */
  double[] solve(double[] a, int n, double[] b, int nrhs);

  /**
   * Solves A X = B for symmetric positive (semi-)definite A by Cholesky (LAPACK dposv), falling
   * back to LU when A is not numerically positive definite. A is n x n, B and X are n x nrhs.
   *
   * @throws LinearAlgebraException if A is singular
   */
  double[] solveSymmetric(double[] a, int n, double[] b, int nrhs);

  /**
   * Solves X A = B for symmetric positive (semi-)definite A, as {@link #solveSymmetric} (Cholesky,
   * LU fallback): A is n x n, B and X are nrhs x n (row-major), so no transposes are needed (e.g.
   * the CP-ALS update A_n = M V^{-1} with M the I_n x R MTTKRP).
   *
   * @throws LinearAlgebraException if A is singular
   */
  double[] solveSymmetricRight(double[] a, int n, double[] b, int nrhs);
}
