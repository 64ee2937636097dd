package org.lowrank.ops;

import java.util.Arrays;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;

/**
 * Small shape helpers shared by constant evaluation and shape inference (products with overflow
 * checks, axes, broadcast).
 */
public final class Shapes {
  private Shapes() {}

  public static long product(long[] dims, int from, int to) {
    long p = 1;
    for (int i = from; i < to; i++) {
      p = Math.multiplyExact(p, dims[i]);
    }
    return p;
  }

  public static long product(long[] dims) {
    return product(dims, 0, dims.length);
  }

  /** Normalizes a possibly negative axis against {@code rank}; throws naming the node. */
  public static int axis(Node node, long axis, int rank, String what) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new ModelException(
          node, what + " " + axis + " is out of range for a rank-" + rank + " tensor");
    }
    return (int) a;
  }

  /** Flatten's axis in [-rank, rank], normalized to [0, rank]. */
  public static int flattenAxis(Node node, long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a > rank) {
      throw new ModelException(
          node, "axis " + axis + " is out of range for a rank-" + rank + " tensor");
    }
    return (int) a;
  }

  /** Row-major strides of {@code dims}. */
  public static long[] strides(long[] dims) {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  /** Multidirectional (numpy) broadcast of two shapes; throws naming the node when incompatible. */
  public static long[] broadcast(Node node, long[] a, long[] b) {
    int r = Math.max(a.length, b.length);
    long[] out = new long[r];
    for (int i = 0; i < r; i++) {
      long x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
      long y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
      if (x == y || y == 1) {
        out[i] = x;
      } else if (x == 1) {
        out[i] = y;
      } else {
        throw new ModelException(
            node,
            "cannot broadcast shapes "
                + Arrays.toString(a)
                + " and "
                + Arrays.toString(b)
                + " (axis "
                + i
                + ": "
                + x
                + " vs "
                + y
                + ")");
      }
    }
    return out;
  }

  public static String str(long[] dims) {
    return dims == null ? "?" : Arrays.toString(dims);
  }
}
