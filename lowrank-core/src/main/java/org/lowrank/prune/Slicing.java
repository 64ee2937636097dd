package org.lowrank.prune;

import org.lowrank.graph.TensorValue;

/** Index selection along one axis of a constant tensor (row-major). */
final class Slicing {
  private Slicing() {}

  /** {@code t} restricted to indices {@code keep} (in order) of {@code axis}. */
  static TensorValue take(TensorValue t, int axis, int[] keep) {
    long[] d = t.dims();
    int outer = (int) prod(d, 0, axis);
    int inner = (int) prod(d, axis + 1, d.length);
    int n = (int) d[axis];
    long[] od = d.clone();
    od[axis] = keep.length;
    if (!t.isFloatingPoint()) {
      long[] src = t.toLongArray();
      long[] dst = new long[outer * keep.length * inner];
      int pos = 0;
      for (int o = 0; o < outer; o++) {
        for (int k : keep) {
          System.arraycopy(src, (o * n + k) * inner, dst, pos, inner);
          pos += inner;
        }
      }
      return TensorValue.ofLongs(t.dataType(), od, dst);
    }
    float[] src = t.toFloatArray();
    float[] dst = new float[outer * keep.length * inner];
    int pos = 0;
    for (int o = 0; o < outer; o++) {
      for (int k : keep) {
        System.arraycopy(src, (o * n + k) * inner, dst, pos, inner);
        pos += inner;
      }
    }
    return TensorValue.ofFloats(t.dataType(), od, dst);
  }

  /** {@code t} with indices {@code zero} of {@code axis} set to 0. */
  static TensorValue zero(TensorValue t, int axis, int[] zero) {
    long[] d = t.dims();
    int outer = (int) prod(d, 0, axis);
    int inner = (int) prod(d, axis + 1, d.length);
    int n = (int) d[axis];
    float[] f = t.toFloatArray();
    for (int o = 0; o < outer; o++) {
      for (int k : zero) {
        java.util.Arrays.fill(f, (o * n + k) * inner, (o * n + k + 1) * inner, 0f);
      }
    }
    return TensorValue.ofFloats(t.dataType(), d, f);
  }

  private static long prod(long[] d, int from, int to) {
    long p = 1;
    for (int i = from; i < to; i++) {
      p *= d[i];
    }
    return p;
  }
}
