package org.lowrank.linalg;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LinearAlgebra} on the JavaCPP OpenBLAS preset. LAPACK is always called column-major: a
 * wide row-major matrix is handed over as its (tall) transpose without a copy, a tall one is
 * transposed once, so dgesdd always works on the tall orientation (its fast path, ~1.6x faster than
 * the wide one).
 */
final class OpenBlasLinearAlgebra implements LinearAlgebra {
  private static final Logger LOG = LoggerFactory.getLogger(OpenBlasLinearAlgebra.class);
  private static final Object NATIVE_LOCK = new Object();
  private static volatile int appliedThreads = -1;

  static final class DefaultHolder {
    static final LinearAlgebra INSTANCE =
        new OpenBlasLinearAlgebra(Integer.getInteger(THREADS_PROPERTY, 1));

    private DefaultHolder() {}
  }

  private final int threads;

  OpenBlasLinearAlgebra(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException(
          "BLAS thread count must be at least 1, got " + threads + " (use 1 on shared machines)");
    }
    this.threads = threads;
    applyThreads();
  }

  @Override
  public int threads() {
    return threads;
  }

  private void applyThreads() {
    if (appliedThreads != threads) {
      synchronized (NATIVE_LOCK) {
        if (appliedThreads != threads) {
          long t0 = System.nanoTime();
          openblas.blas_set_num_threads(threads);
          if (appliedThreads < 0) {
            LOG.debug("OpenBLAS ready in {} ms", (System.nanoTime() - t0) / 1_000_000);
          }
          LOG.debug("OpenBLAS threads set to {}", threads);
          appliedThreads = threads;
        }
      }
    }
  }

  @Override
  public void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      double alpha,
      double[] a,
      double[] b,
      double beta,
      double[] c) {
    requireLength("gemm A", a, (long) m * k);
    requireLength("gemm B", b, (long) k * n);
    requireLength("gemm C", c, (long) m * n);
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      for (int i = 0; i < m * n; i++) {
        c[i] = beta == 0 ? 0 : beta * c[i];
      }
      return;
    }
    applyThreads();
    openblas.cblas_dgemm(
        CblasRowMajor,
        transA ? CblasTrans : CblasNoTrans,
        transB ? CblasTrans : CblasNoTrans,
        m,
        n,
        k,
        alpha,
        a,
        transA ? m : k,
        b,
        transB ? k : n,
        beta,
        c,
        n);
  }

  @Override
  public NativeMatrix upload(double[] a, int m, int n) {
    return new NativeMatrix(a, m, n);
  }

  @Override
  public NativeMatrix allocate(int m, int n) {
    if (m < 0 || n < 0) {
      throw new IllegalArgumentException("allocate: negative dimensions " + m + "x" + n);
    }
    return new NativeMatrix(m, n);
  }

  @Override
  public void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      double alpha,
      NativeMatrix a,
      NativeMatrix b,
      double beta,
      NativeMatrix c) {
    requireSize("gemm A", a, (long) m * k);
    requireSize("gemm B", b, (long) k * n);
    requireSize("gemm C", c, (long) m * n);
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      double[] scaled = beta == 0 ? new double[m * n] : c.read(new double[m * n]);
      for (int i = 0; i < scaled.length; i++) {
        scaled[i] *= beta;
      }
      c.write(scaled);
      return;
    }
    applyThreads();
    openblas.cblas_dgemm(
        CblasRowMajor,
        transA ? CblasTrans : CblasNoTrans,
        transB ? CblasTrans : CblasNoTrans,
        m,
        n,
        k,
        alpha,
        a.pointer(),
        transA ? m : k,
        b.pointer(),
        transB ? k : n,
        beta,
        c.pointer(),
        n);
  }

  @Override
  public void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      double alpha,
      NativeMatrix a,
      double[] b,
      double beta,
      double[] c) {
    long stored = transA ? (long) k * m : (long) m * k;
    if ((long) a.rows() * a.cols() != stored) {
      throw new IllegalArgumentException(
          "gemm: native A holds "
              + (long) a.rows() * a.cols()
              + " elements, op(A) "
              + m
              + "x"
              + k
              + " needs "
              + stored);
    }
    requireLength("gemm B", b, (long) k * n);
    requireLength("gemm C", c, (long) m * n);
    if (m == 0 || n == 0 || k == 0) {
      gemm(transA, transB, m, n, k, alpha, new double[(int) stored], b, beta, c);
      return;
    }
    applyThreads();
    try (DoublePointer pb = new DoublePointer(b);
        DoublePointer pc = new DoublePointer(c)) {
      openblas.cblas_dgemm(
          CblasRowMajor,
          transA ? CblasTrans : CblasNoTrans,
          transB ? CblasTrans : CblasNoTrans,
          m,
          n,
          k,
          alpha,
          a.pointer(),
          transA ? m : k,
          pb,
          transB ? k : n,
          beta,
          pc,
          n);
      pc.get(c);
    }
  }

  @Override
  public double[] gram(double[] a, int m, int n, boolean rowGram) {
    requireLength("gram A", a, (long) m * n);
    int size = rowGram ? m : n;
    double[] c = new double[Math.multiplyExact(size, size)];
    if (m == 0 || n == 0) {
      return c;
    }
    applyThreads();
    // Row-major dsyrk: NoTrans gives A A^T with A of N=m rows and K=n columns; Trans gives A^T A.
    openblas.cblas_dsyrk(
        CblasRowMajor,
        CblasUpper,
        rowGram ? CblasNoTrans : CblasTrans,
        size,
        rowGram ? n : m,
        1.0,
        a,
        n,
        0.0,
        c,
        size);
    mirrorUpper(c, size);
    return c;
  }

  @Override
  public Svd svd(double[] a, int m, int n) {
    requireLength("svd A", a, (long) m * n);
    int k = Math.min(m, n);
    double[] s = new double[k];
    double[] u = new double[Math.multiplyExact(m, k)];
    double[] vt = new double[Math.multiplyExact(k, n)];
    if (k == 0) {
      return new Svd(m, n, u, s, vt);
    }
    requireFinite("svd", a);
    applyThreads();
    if (m < n) {
      // Wide: the row-major m x n buffer is the tall column-major n x m matrix A^T = V S U^T.
      // LAPACK's "U" of A^T (n x k, column-major) is V, i.e. the row-major k x n buffer V^T; its
      // "VT" (k x m, column-major) is U^T, i.e. the row-major m x k buffer U. No copy needed.
      double[] work = a.clone();
      int info =
          openblas.LAPACKE_dgesdd(LAPACK_COL_MAJOR, (byte) 'S', n, m, work, n, s, vt, n, u, k);
      check("dgesdd", info, m, n);
      return new Svd(m, n, u, s, vt);
    }
    // Tall: dgesdd is fastest on the tall orientation, so transpose to column-major A itself.
    double[] col = transposeToColumnMajor(a, m, n);
    double[] uc = new double[m * k];
    double[] vtc = new double[k * n];
    int info =
        openblas.LAPACKE_dgesdd(LAPACK_COL_MAJOR, (byte) 'S', m, n, col, m, s, uc, m, vtc, k);
    check("dgesdd", info, m, n);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k; j++) {
        u[i * k + j] = uc[i + j * m];
      }
    }
    for (int j = 0; j < k; j++) {
      for (int l = 0; l < n; l++) {
        vt[j * n + l] = vtc[j + l * k];
      }
    }
    return new Svd(m, n, u, s, vt);
  }

  @Override
  public double[] singularValues(double[] a, int m, int n) {
    requireLength("singularValues A", a, (long) m * n);
    int k = Math.min(m, n);
    double[] s = new double[k];
    if (k == 0) {
      return s;
    }
    requireFinite("singularValues", a);
    applyThreads();
    // Singular values of A and A^T agree: hand LAPACK the tall orientation.
    double[] work = m < n ? a.clone() : transposeToColumnMajor(a, m, n);
    int rows = Math.max(m, n);
    int cols = Math.min(m, n);
    double[] dummy = new double[1];
    int info =
        openblas.LAPACKE_dgesdd(
            LAPACK_COL_MAJOR, (byte) 'N', rows, cols, work, rows, s, dummy, 1, dummy, 1);
    check("dgesdd", info, m, n);
    return s;
  }

  @Override
  public PivotedQrDecomposition pivotedQr(double[] a, int m, int n) {
    requireLength("pivotedQr A", a, (long) m * n);
    int k = Math.min(m, n);
    int[] perm = new int[n];
    if (k == 0) {
      for (int j = 0; j < n; j++) {
        perm[j] = j;
      }
      return new PivotedQrDecomposition(m, n, new double[0], new double[0], perm);
    }
    requireFinite("pivotedQr", a);
    applyThreads();
    double[] col = transposeToColumnMajor(a, m, n);
    int[] jpvt = new int[n];
    double[] tau = new double[k];
    check("dgeqp3", openblas.LAPACKE_dgeqp3(LAPACK_COL_MAJOR, m, n, col, m, jpvt, tau), m, n);
    double[] r = new double[k * n];
    for (int i = 0; i < k; i++) {
      for (int j = i; j < n; j++) {
        r[i * n + j] = col[i + j * m];
      }
    }
    check("dorgqr", openblas.LAPACKE_dorgqr(LAPACK_COL_MAJOR, m, k, k, col, m, tau), m, k);
    double[] q = new double[m * k];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k; j++) {
        q[i * k + j] = col[i + j * m];
      }
    }
    for (int j = 0; j < n; j++) {
      perm[j] = jpvt[j] - 1;
    }
    return new PivotedQrDecomposition(m, n, q, r, perm);
  }

  @Override
  public SymmetricEigen symmetricEigen(double[] a, int n) {
    requireLength("symmetricEigen A", a, (long) n * n);
    if (n == 0) {
      return new SymmetricEigen(0, new double[0], new double[0]);
    }
    requireFinite("symmetricEigen", a);
    applyThreads();
    // Symmetric: the row-major upper triangle is the column-major lower triangle.
    double[] z = a.clone();
    double[] w = new double[n];
    check(
        "dsyevd",
        openblas.LAPACKE_dsyevd(LAPACK_COL_MAJOR, (byte) 'V', (byte) 'L', n, z, n, w),
        n,
        n);
    // Column-major output: eigenvector of w[j] (ascending) at z[i + j n]. Reorder to descending.
    double[] values = new double[n];
    double[] vectors = new double[n * n];
    for (int t = 0; t < n; t++) {
      int src = n - 1 - t;
      values[t] = w[src];
      for (int i = 0; i < n; i++) {
        vectors[i * n + t] = z[i + src * n];
      }
    }
    return new SymmetricEigen(n, values, vectors);
  }

  @Override
  public SymmetricEigen symmetricEigen(double[] a, int n, int k) {
    requireLength("symmetricEigen A", a, (long) n * n);
    if (k < 0 || k > n) {
      throw new IllegalArgumentException("symmetricEigen: k must be in 0.." + n + ", got " + k);
    }
    if (k == n) {
      return symmetricEigen(a, n);
    }
    if (k == 0) {
      return new SymmetricEigen(n, new double[0], new double[0]);
    }
    requireFinite("symmetricEigen", a);
    applyThreads();
    double[] work = a.clone();
    double[] w = new double[n];
    double[] z = new double[n * k];
    int[] found = new int[1];
    int[] support = new int[2 * k];
    // Eigenvalues il..iu (1-based, ascending order) are the k largest.
    int info =
        openblas.LAPACKE_dsyevr(
            LAPACK_COL_MAJOR,
            (byte) 'V',
            (byte) 'I',
            (byte) 'L',
            n,
            work,
            n,
            0,
            0,
            n - k + 1,
            n,
            0,
            found,
            w,
            z,
            n,
            support);
    check("dsyevr", info, n, n);
    if (found[0] != k) {
      throw new LinearAlgebraException(
          "dsyevr returned " + found[0] + " eigenpairs, expected " + k);
    }
    double[] values = new double[k];
    double[] vectors = new double[n * k];
    for (int t = 0; t < k; t++) {
      int src = k - 1 - t;
      values[t] = w[src];
      for (int i = 0; i < n; i++) {
        vectors[i * k + t] = z[i + src * n];
      }
    }
    return new SymmetricEigen(n, values, vectors);
  }

  @Override
  public double[] solve(double[] a, int n, double[] b, int nrhs) {
    if (!checkSolve("solve", a, n, b, nrhs)) {
      return new double[n * nrhs];
    }
    return gesv(LAPACK_ROW_MAJOR, a, n, b, nrhs, nrhs);
  }

  @Override
  public double[] solveSymmetric(double[] a, int n, double[] b, int nrhs) {
    if (!checkSolve("solveSymmetric", a, n, b, nrhs)) {
      return new double[n * nrhs];
    }
    return posv(LAPACK_ROW_MAJOR, a, n, b, nrhs, nrhs);
  }

  /**
   * A row-major nrhs x n B is the column-major n x nrhs B^T and A = A^T, so the column-major dposv
   * of (A, B^T) returns X^T = A^{-1} B^T in place, i.e. the row-major X = B A^{-1}.
   */
  @Override
  public double[] solveSymmetricRight(double[] a, int n, double[] b, int nrhs) {
    if (!checkSolve("solveSymmetricRight", a, n, b, nrhs)) {
      return new double[n * nrhs];
    }
    return posv(LAPACK_COL_MAJOR, a, n, b, nrhs, n);
  }

  /**
   * The argument checks of a solve with A [n, n] and B of n * nrhs values; false when the system is
   * empty (the solution is then n * nrhs zeros).
   */
  private boolean checkSolve(String what, double[] a, int n, double[] b, int nrhs) {
    requireLength(what + " A", a, (long) n * n);
    requireLength(what + " B", b, (long) n * nrhs);
    if (n == 0 || nrhs == 0) {
      return false;
    }
    requireFinite(what, a);
    requireFinite(what, b);
    applyThreads();
    return true;
  }

  /** LU solve (dgesv) of A X = B in {@code layout}, B with leading dimension {@code ldb}. */
  private double[] gesv(int layout, double[] a, int n, double[] b, int nrhs, int ldb) {
    double[] lu = a.clone();
    double[] x = b.clone();
    int info = openblas.LAPACKE_dgesv(layout, n, nrhs, lu, n, new int[n], x, ldb);
    if (info > 0) {
      throw new LinearAlgebraException(
          "dgesv: the " + n + "x" + n + " matrix is singular (U(" + info + "," + info + ") = 0)");
    }
    check("dgesv", info, n, n);
    return x;
  }

  /**
   * Cholesky solve (dposv) of A X = B in {@code layout}; when A is not positive definite, the LU
   * solve ({@link #gesv}) of the same system.
   */
  private double[] posv(int layout, double[] a, int n, double[] b, int nrhs, int ldb) {
    double[] chol = a.clone();
    double[] x = b.clone();
    int info = openblas.LAPACKE_dposv(layout, (byte) 'U', n, nrhs, chol, n, x, ldb);
    if (info > 0) {
      return gesv(layout, a, n, b, nrhs, ldb);
    }
    check("dposv", info, n, n);
    return x;
  }

  /** Copies the upper triangle of the n x n matrix c (modified) into its lower one, in tiles. */
  private static void mirrorUpper(double[] c, int n) {
    final int tile = 32;
    for (int i0 = 0; i0 < n; i0 += tile) {
      int i1 = Math.min(i0 + tile, n);
      for (int j0 = 0; j0 <= i0; j0 += tile) {
        int j1 = Math.min(j0 + tile, n);
        for (int i = i0; i < i1; i++) {
          for (int j = j0; j < Math.min(j1, i); j++) {
            c[i * n + j] = c[j * n + i];
          }
        }
      }
    }
  }

  private static double[] transposeToColumnMajor(double[] a, int m, int n) {
    double[] col = new double[m * n];
    for (int i = 0; i < m; i++) {
      int row = i * n;
      for (int j = 0; j < n; j++) {
        col[i + j * m] = a[row + j];
      }
    }
    return col;
  }

  private static void requireLength(String what, double[] x, long expected) {
    if (expected > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(what + ": " + expected + " elements exceed a Java array");
    }
    if (x.length != expected) {
      throw new IllegalArgumentException(
          what
              + ": expected "
              + expected
              + " elements for the given dimensions, found "
              + x.length);
    }
  }

  private static void requireSize(String what, NativeMatrix x, long expected) {
    if (x.size() != expected) {
      throw new IllegalArgumentException(
          what
              + ": native "
              + x.rows()
              + "x"
              + x.cols()
              + " matrix holds "
              + x.size()
              + " elements, the given dimensions need "
              + expected);
    }
  }

  private static void requireFinite(String op, double[] x) {
    for (int i = 0; i < x.length; i++) {
      if (!Double.isFinite(x[i])) {
        throw new LinearAlgebraException(
            op + ": input element " + i + " is " + x[i] + "; inputs must be finite");
      }
    }
  }

  private static void check(String routine, int info, int m, int n) {
    if (info < 0) {
      throw new LinearAlgebraException(
          routine
              + " on a "
              + m
              + "x"
              + n
              + " matrix: illegal argument "
              + (-info)
              + " (a bug in lowrank)");
    }
    if (info > 0) {
      throw new LinearAlgebraException(
          routine + " on a " + m + "x" + n + " matrix did not converge (info " + info + ")");
    }
  }
}
