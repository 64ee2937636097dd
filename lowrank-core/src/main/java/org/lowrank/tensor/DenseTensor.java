package org.lowrank.tensor;

import java.util.Arrays;
import java.util.Random;
import org.lowrank.linalg.LinearAlgebra;

/**
 * An immutable dense tensor of doubles in row-major (C) order: the element at multi-index (i_0,
 * ..., i_{N-1}) of shape (I_0, ..., I_{N-1}) sits at offset sum_k i_k * prod_{m>k} I_m. A matrix is
 * an order-2 tensor. Factories copy their input and accessors return copies, so no caller can
 * modify a tensor; operations that only reinterpret the layout ({@link #reshape}) share storage
 * internally.
 *
 * <p>Operations that need BLAS take an optional {@link LinearAlgebra}; without one they use {@link
 * LinearAlgebra#defaultInstance()}.
 */
public final class DenseTensor {
  private final int[] shape;
  private final double[] data;

  private DenseTensor(double[] data, int[] shape) {
    this.shape = shape;
    this.data = data;
  }

  // ---------------------------------------------------------------- factories

  /** A tensor of the given shape holding a copy of {@code data} (row-major). */
  public static DenseTensor of(double[] data, int... shape) {
    int[] s = checkShape(shape);
    if (data.length != sizeOf(s)) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(s) + " needs " + sizeOf(s) + " elements, got " + data.length);
    }
    return new DenseTensor(data.clone(), s);
  }

  /** A matrix from rows (copied); all rows must have the same length. */
  public static DenseTensor ofRows(double[][] rows) {
    int m = rows.length;
    int n = m == 0 ? 0 : rows[0].length;
    double[] d = new double[m * n];
    for (int i = 0; i < m; i++) {
      if (rows[i].length != n) {
        throw new IllegalArgumentException(
            "row " + i + " has " + rows[i].length + " elements, row 0 has " + n);
      }
      System.arraycopy(rows[i], 0, d, i * n, n);
    }
    return new DenseTensor(d, new int[] {m, n});
  }

  /** A tensor of zeros. */
  public static DenseTensor zeros(int... shape) {
    int[] s = checkShape(shape);
    return new DenseTensor(new double[sizeOf(s)], s);
  }

  /** The n x n identity matrix. */
  public static DenseTensor identity(int n) {
    double[] d = new double[n * n];
    for (int i = 0; i < n; i++) {
      d[i * n + i] = 1;
    }
    return new DenseTensor(d, new int[] {n, n});
  }

  /**
   * Independent standard normal entries from {@code new java.util.Random(seed)}, in storage order.
   */
  public static DenseTensor random(long seed, int... shape) {
    int[] s = checkShape(shape);
    Random rnd = new Random(seed);
    double[] d = new double[sizeOf(s)];
    for (int i = 0; i < d.length; i++) {
      d[i] = rnd.nextGaussian();
    }
    return new DenseTensor(d, s);
  }

  /** A tensor from float32 data (widened exactly to double). */
  public static DenseTensor fromFloats(float[] data, int... shape) {
    int[] s = checkShape(shape);
    if (data.length != sizeOf(s)) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(s) + " needs " + sizeOf(s) + " elements, got " + data.length);
    }
    double[] d = new double[data.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = data[i];
    }
    return new DenseTensor(d, s);
  }

  // ---------------------------------------------------------------- accessors

  /** The shape (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** Size of mode {@code mode}. */
  public int dim(int mode) {
    checkMode(mode);
    return shape[mode];
  }

  /** Number of modes N. */
  public int order() {
    return shape.length;
  }

  /** Number of elements, prod_k I_k. */
  public int size() {
    return data.length;
  }

  /** The element at a multi-index. */
  public double get(int... index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "index "
              + Arrays.toString(index)
              + " has "
              + index.length
              + " entries, tensor order is "
              + shape.length);
    }
    int off = 0;
    for (int k = 0; k < shape.length; k++) {
      if (index[k] < 0 || index[k] >= shape[k]) {
        throw new IndexOutOfBoundsException(
            "index " + Arrays.toString(index) + " outside shape " + Arrays.toString(shape));
      }
      off = off * shape[k] + index[k];
    }
    return data[off];
  }

  /** The element at a row-major storage offset. */
  public double getFlat(int offset) {
    return data[offset];
  }

  /** A copy of the row-major data. */
  public double[] toArray() {
    return data.clone();
  }

  /** The data rounded to float32, row-major. */
  public float[] toFloats() {
    float[] f = new float[data.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) data[i];
    }
    return f;
  }

  /** Copies the row-major data into {@code dest} at {@code offset}. */
  public void copyTo(double[] dest, int offset) {
    System.arraycopy(data, 0, dest, offset, data.length);
  }

  /** True when every element is finite. */
  public boolean isFinite() {
    for (double v : data) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- layout

  /** The same elements in the same row-major order under a new shape of equal size. */
  public DenseTensor reshape(int... newShape) {
    int[] s = checkShape(newShape);
    if (sizeOf(s) != data.length) {
      throw new IllegalArgumentException(
          "cannot reshape "
              + Arrays.toString(shape)
              + " ("
              + data.length
              + " elements) to "
              + Arrays.toString(s)
              + " ("
              + sizeOf(s)
              + " elements)");
    }
    return new DenseTensor(data, s);
  }

  /**
   * Transposition of modes (numpy {@code transpose}): result mode k is this tensor's mode {@code
   * perm[k]}, i.e. Y[j_0..j_{N-1}] = X[i] with i_{perm[k]} = j_k.
   */
  public DenseTensor permute(int... perm) {
    int n = shape.length;
    if (perm.length != n) {
      throw new IllegalArgumentException(
          "permutation "
              + Arrays.toString(perm)
              + " must have "
              + n
              + " entries for shape "
              + Arrays.toString(shape));
    }
    boolean[] seen = new boolean[n];
    boolean identity = true;
    for (int k = 0; k < n; k++) {
      if (perm[k] < 0 || perm[k] >= n || seen[perm[k]]) {
        throw new IllegalArgumentException(
            Arrays.toString(perm) + " is not a permutation of 0.." + (n - 1));
      }
      seen[perm[k]] = true;
      identity &= perm[k] == k;
    }
    if (identity) {
      return this;
    }
    int[] inStrides = strides(shape);
    int[] outShape = new int[n];
    int[] stride = new int[n];
    for (int k = 0; k < n; k++) {
      outShape[k] = shape[perm[k]];
      stride[k] = inStrides[perm[k]];
    }
    double[] out = new double[data.length];
    if (out.length == 0) {
      return new DenseTensor(out, outShape);
    }
    // Odometer over the output with the innermost output mode unrolled.
    int last = n - 1;
    int inner = outShape[last];
    int innerStride = stride[last];
    int[] idx = new int[n];
    int src = 0;
    for (int dst = 0; dst < out.length; dst += inner) {
      int s = src;
      for (int j = 0; j < inner; j++) {
        out[dst + j] = data[s];
        s += innerStride;
      }
      for (int k = last - 1; k >= 0; k--) {
        idx[k]++;
        src += stride[k];
        if (idx[k] < outShape[k]) {
          break;
        }
        src -= stride[k] * outShape[k];
        idx[k] = 0;
      }
    }
    return new DenseTensor(out, outShape);
  }

  /** Matrix transpose (order-2 tensors only). */
  public DenseTensor transpose() {
    requireMatrix("transpose");
    return permute(1, 0);
  }

  /**
   * Mode-n unfolding X_(n) in the Kolda-Bader convention: an I_n x prod_{k != n} I_k matrix with
   * X_(n)[i_n, j], j = sum_{k != n} i_k J_k, J_k = prod_{m < k, m != n} I_m (the lowest remaining
   * mode varies fastest). With it X_(n) = A_n (A_{N-1} ⊙ ... ⊙ A_{n+1} ⊙ A_{n-1} ⊙ ... ⊙ A_0)^T for
   * a CP tensor, with {@link #khatriRao} ordering.
   */
  public DenseTensor unfold(int mode) {
    checkMode(mode);
    int[] perm = unfoldPermutation(shape.length, mode);
    DenseTensor p = permute(perm);
    return p.reshape(shape[mode], data.length / Math.max(1, shape[mode]));
  }

  /** Inverse of {@link #unfold}: rebuilds a tensor of {@code shape} from its mode-n unfolding. */
  public static DenseTensor fold(DenseTensor unfolded, int mode, int... shape) {
    int[] s = checkShape(shape);
    if (mode < 0 || mode >= s.length) {
      throw new IllegalArgumentException("mode " + mode + " outside 0.." + (s.length - 1));
    }
    int rest = sizeOf(s) / Math.max(1, s[mode]);
    if (unfolded.order() != 2 || unfolded.shape[0] != s[mode] || unfolded.shape[1] != rest) {
      throw new IllegalArgumentException(
          "mode-"
              + mode
              + " unfolding of "
              + Arrays.toString(s)
              + " must be ["
              + s[mode]
              + ", "
              + rest
              + "], got "
              + Arrays.toString(unfolded.shape));
    }
    int[] perm = unfoldPermutation(s.length, mode);
    int[] permuted = new int[s.length];
    int[] inverse = new int[s.length];
    for (int k = 0; k < s.length; k++) {
      permuted[k] = s[perm[k]];
      inverse[perm[k]] = k;
    }
    return unfolded.reshape(permuted).permute(inverse);
  }

  private static int[] unfoldPermutation(int n, int mode) {
    int[] perm = new int[n];
    perm[0] = mode;
    int p = 1;
    for (int k = n - 1; k >= 0; k--) {
      if (k != mode) {
        perm[p++] = k;
      }
    }
    return perm;
  }

  // ---------------------------------------------------------------- algebra

  /**
   * Mode-n product Y = X ×_n M for M of shape J x I_n: Y has I_n replaced by J and Y[.., j, ..] =
   * sum_i M[j, i] X[.., i, ..]. 2 J prod_k I_k flops.
   */
  public DenseTensor modeProduct(DenseTensor matrix, int mode) {
    return modeProduct(matrix, mode, LinearAlgebra.defaultInstance());
  }

  /** {@link #modeProduct(DenseTensor, int)} with an explicit backend. */
  public DenseTensor modeProduct(DenseTensor matrix, int mode, LinearAlgebra la) {
    checkMode(mode);
    matrix.requireMatrix("modeProduct matrix");
    int in = shape[mode];
    if (matrix.shape[1] != in) {
      throw new IllegalArgumentException(
          "mode-"
              + mode
              + " product: matrix must have "
              + in
              + " columns (size of mode "
              + mode
              + " of "
              + Arrays.toString(shape)
              + "), got shape "
              + Arrays.toString(matrix.shape));
    }
    int j = matrix.shape[0];
    int left = 1;
    for (int k = 0; k < mode; k++) {
      left *= shape[k];
    }
    int right = 1;
    for (int k = mode + 1; k < shape.length; k++) {
      right *= shape[k];
    }
    int[] outShape = shape.clone();
    outShape[mode] = j;
    if (right == 1) {
      // X viewed as (left x in): Y = X M^T.
      return new DenseTensor(la.multiply(false, true, left, j, in, data, matrix.data), outShape);
    }
    if (left == 1) {
      // X viewed as (in x right): Y = M X.
      return new DenseTensor(la.multiply(false, false, j, right, in, matrix.data, data), outShape);
    }
    // General case: bring the mode to the front, multiply, move it back.
    DenseTensor front = reshape(left, in, right).permute(1, 0, 2);
    double[] y = la.multiply(false, false, j, left * right, in, matrix.data, front.data);
    return new DenseTensor(y, new int[] {j, left, right}).permute(1, 0, 2).reshape(outShape);
  }

  /** Matrix product A B of two order-2 tensors (BLAS dgemm). */
  public DenseTensor matmul(DenseTensor other) {
    return matmul(other, LinearAlgebra.defaultInstance());
  }

  /** {@link #matmul(DenseTensor)} with an explicit backend. */
  public DenseTensor matmul(DenseTensor other, LinearAlgebra la) {
    requireMatrix("matmul left operand");
    other.requireMatrix("matmul right operand");
    if (shape[1] != other.shape[0]) {
      throw new IllegalArgumentException(
          "matmul: inner dimensions differ: "
              + Arrays.toString(shape)
              + " x "
              + Arrays.toString(other.shape));
    }
    int m = shape[0];
    int k = shape[1];
    int n = other.shape[1];
    return new DenseTensor(la.multiply(data, other.data, m, k, n), new int[] {m, n});
  }

  /**
   * Khatri-Rao (column-wise Kronecker) product of matrices A_1 (I_1 x R), ..., A_K (I_K x R): a
   * (prod_k I_k) x R matrix whose row (i_1, ..., i_K) in row-major order (the last index fastest)
   * holds prod_k A_k[i_k, r]. khatriRao(A, B)[i * J + j, r] = A[i, r] B[j, r].
   */
  public static DenseTensor khatriRao(DenseTensor... matrices) {
    if (matrices.length == 0) {
      throw new IllegalArgumentException("khatriRao needs at least one matrix");
    }
    int r = -1;
    for (int t = 0; t < matrices.length; t++) {
      matrices[t].requireMatrix("khatriRao operand " + t);
      if (r < 0) {
        r = matrices[t].shape[1];
      } else if (matrices[t].shape[1] != r) {
        throw new IllegalArgumentException(
            "khatriRao: operand "
                + t
                + " has "
                + matrices[t].shape[1]
                + " columns, operand 0 has "
                + r);
      }
    }
    double[] acc = matrices[0].data.clone();
    int rows = matrices[0].shape[0];
    for (int t = 1; t < matrices.length; t++) {
      double[] b = matrices[t].data;
      int brows = matrices[t].shape[0];
      double[] next = new double[Math.multiplyExact(Math.multiplyExact(rows, brows), r)];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < brows; j++) {
          int dst = (i * brows + j) * r;
          int a0 = i * r;
          int b0 = j * r;
          for (int c = 0; c < r; c++) {
            next[dst + c] = acc[a0 + c] * b[b0 + c];
          }
        }
      }
      acc = next;
      rows *= brows;
    }
    return new DenseTensor(acc, new int[] {rows, r});
  }

  /** ||X||_F = sqrt(sum of squares), computed with scaling to avoid overflow. */
  public double frobeniusNorm() {
    return norm2(data);
  }

  /** this + other (same shape). */
  public DenseTensor plus(DenseTensor other) {
    return combine(other, 1.0);
  }

  /** this - other (same shape). */
  public DenseTensor minus(DenseTensor other) {
    return combine(other, -1.0);
  }

  /** alpha * this. */
  public DenseTensor scale(double alpha) {
    double[] d = new double[data.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = alpha * data[i];
    }
    return new DenseTensor(d, shape);
  }

  /** ||this - other||_F (same shape). */
  public double distance(DenseTensor other) {
    requireSameShape(other, "distance");
    double scale = 0;
    double ssq = 1;
    for (int i = 0; i < data.length; i++) {
      double v = data[i] - other.data[i];
      if (v != 0) {
        double a = Math.abs(v);
        if (scale < a) {
          ssq = 1 + ssq * (scale / a) * (scale / a);
          scale = a;
        } else {
          ssq += (a / scale) * (a / scale);
        }
      }
    }
    return scale * Math.sqrt(ssq);
  }

  /**
   * Relative error ||a - b||_F / ||a||_F of an approximation {@code b} of {@code a}. When a is zero
   * the result is 0 if b is zero too, else positive infinity.
   */
  public static double relativeError(DenseTensor a, DenseTensor b) {
    double diff = a.distance(b);
    double norm = a.frobeniusNorm();
    if (norm == 0) {
      return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
    }
    return diff / norm;
  }

  private DenseTensor combine(DenseTensor other, double sign) {
    requireSameShape(other, sign > 0 ? "plus" : "minus");
    double[] d = new double[data.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = data[i] + sign * other.data[i];
    }
    return new DenseTensor(d, shape);
  }

  static double norm2(double[] x) {
    double scale = 0;
    double ssq = 1;
    for (double v : x) {
      if (v != 0) {
        double a = Math.abs(v);
        if (scale < a) {
          ssq = 1 + ssq * (scale / a) * (scale / a);
          scale = a;
        } else {
          ssq += (a / scale) * (a / scale);
        }
      }
    }
    return scale * Math.sqrt(ssq);
  }

  // ---------------------------------------------------------------- helpers

  /** Number of elements of a shape, checked against int overflow. */
  public static int sizeOf(int... shape) {
    long n = 1;
    for (int s : shape) {
      n *= s;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "shape "
                + Arrays.toString(shape)
                + " has more than "
                + Integer.MAX_VALUE
                + " elements");
      }
    }
    return (int) n;
  }

  /** Row-major strides of a shape. */
  static int[] strides(int[] shape) {
    int[] st = new int[shape.length];
    int s = 1;
    for (int k = shape.length - 1; k >= 0; k--) {
      st[k] = s;
      s *= shape[k];
    }
    return st;
  }

  private static int[] checkShape(int[] shape) {
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
    }
    int[] c = shape.clone();
    sizeOf(c);
    return c;
  }

  private void checkMode(int mode) {
    if (mode < 0 || mode >= shape.length) {
      throw new IllegalArgumentException(
          "mode "
              + mode
              + " outside 0.."
              + (shape.length - 1)
              + " for shape "
              + Arrays.toString(shape));
    }
  }

  private void requireMatrix(String what) {
    if (shape.length != 2) {
      throw new IllegalArgumentException(
          what + " must be a matrix, got shape " + Arrays.toString(shape));
    }
  }

  private void requireSameShape(DenseTensor other, String op) {
    if (!Arrays.equals(shape, other.shape)) {
      throw new IllegalArgumentException(
          op
              + ": shapes differ: "
              + Arrays.toString(shape)
              + " vs "
              + Arrays.toString(other.shape));
    }
  }

  /** Exact equality of shape and every element. */
  @Override
  public boolean equals(Object o) {
    return o instanceof DenseTensor t
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "DenseTensor" + Arrays.toString(shape);
  }
}
