package org.lowrank.rewrite;

import java.util.Arrays;
import org.lowrank.graph.TensorValue;

/** Small row-major float helpers for factor tensors (package-private). */
final class Tensors {
  private Tensors() {}

  /** Permutes the axes: {@code out.dims[j] = dims[perm[j]]}. */
  static TensorValue permute(TensorValue t, int... perm) {
    long[] dims = t.dims();
    if (perm.length != dims.length) {
      throw new IllegalArgumentException(
          "permutation " + Arrays.toString(perm) + " does not fit shape " + Arrays.toString(dims));
    }
    int r = dims.length;
    long[] outDims = new long[r];
    for (int j = 0; j < r; j++) {
      outDims[j] = dims[perm[j]];
    }
    long[] inStrides = strides(dims);
    float[] src = t.toFloatArray();
    float[] dst = new float[src.length];
    int[] idx = new int[r];
    for (int o = 0; o < dst.length; o++) {
      long off = 0;
      for (int j = 0; j < r; j++) {
        off += idx[j] * inStrides[perm[j]];
      }
      dst[o] = src[(int) off];
      for (int j = r - 1; j >= 0; j--) {
        if (++idx[j] < outDims[j]) {
          break;
        }
        idx[j] = 0;
      }
    }
    return TensorValue.ofFloats(outDims, dst);
  }

  /** Transpose of a matrix. */
  static TensorValue transpose(TensorValue m) {
    requireRank(m, 2, "matrix");
    return permute(m, 1, 0);
  }

  static long[] strides(long[] dims) {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int j = dims.length - 1; j >= 0; j--) {
      s[j] = acc;
      acc *= dims[j];
    }
    return s;
  }

  /** {@code a [m, k] * b [k, n]} in double accumulation. */
  static TensorValue matmul(TensorValue a, TensorValue b) {
    requireRank(a, 2, "left factor");
    requireRank(b, 2, "right factor");
    int m = (int) a.dim(0);
    int k = (int) a.dim(1);
    int n = (int) b.dim(1);
    if (b.dim(0) != k) {
      throw new IllegalArgumentException(
          "cannot multiply " + Arrays.toString(a.dims()) + " by " + Arrays.toString(b.dims()));
    }
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    float[] out = new float[m * n];
    double[] row = new double[n];
    for (int i = 0; i < m; i++) {
      Arrays.fill(row, 0);
      for (int p = 0; p < k; p++) {
        double v = x[i * k + p];
        if (v == 0) {
          continue;
        }
        for (int j = 0; j < n; j++) {
          row[j] += v * y[p * n + j];
        }
      }
      for (int j = 0; j < n; j++) {
        out[i * n + j] = (float) row[j];
      }
    }
    return TensorValue.ofFloats(new long[] {m, n}, out);
  }

  /** Multiplies column {@code j} of matrix {@code m} by {@code scale[j]}. */
  static TensorValue scaleColumns(TensorValue m, float[] scale) {
    requireRank(m, 2, "matrix");
    int cols = (int) m.dim(1);
    if (scale.length != cols) {
      throw new IllegalArgumentException(cols + " columns but " + scale.length + " scale factors");
    }
    float[] d = m.toFloatArray();
    for (int i = 0; i < d.length; i++) {
      d[i] *= scale[i % cols];
    }
    return TensorValue.ofFloats(m.dims(), d);
  }

  /** Every element times {@code s}. */
  static TensorValue scale(TensorValue t, float s) {
    float[] d = t.toFloatArray();
    for (int i = 0; i < d.length; i++) {
      d[i] *= s;
    }
    return TensorValue.ofFloats(t.dims(), d);
  }

  static void requireRank(TensorValue t, int rank, String what) {
    if (t.rank() != rank) {
      throw new IllegalArgumentException(
          what + " must have rank " + rank + ", found shape " + Arrays.toString(t.dims()));
    }
  }

  /** Product of {@code v[from..to)}. */
  static long product(long[] v, int from, int to) {
    long p = 1;
    for (int i = from; i < to; i++) {
      p = Math.multiplyExact(p, v[i]);
    }
    return p;
  }

  static long product(long[] v) {
    return product(v, 0, v.length);
  }

  /** {@code head} followed by {@code tail}. */
  static long[] concat(long[] head, long... tail) {
    long[] out = Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }

  /** {@code n} ones. */
  static long[] ones(int n) {
    long[] out = new long[n];
    Arrays.fill(out, 1);
    return out;
  }
}
