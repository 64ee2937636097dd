package org.lowrank.train.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Map;
import org.lowrank.graph.Node;
import org.lowrank.ops.ConvAttributes;
import org.lowrank.ops.Window;

/**
 * Convolution and pooling kernels (1-D, 2-D and 3-D): Conv, ConvTranspose, MaxPool, AveragePool,
 * GlobalAveragePool, GlobalMaxPool. Asymmetric or {@code auto_pad} padding that the engine's ops
 * cannot express becomes an explicit pad of the input.
 */
final class ConvKernels {
  private ConvKernels() {}

  static void register(Map<String, Kernels.Factory> f) {
    f.put("Conv", ConvKernels::conv);
    f.put("ConvTranspose", ConvKernels::convTranspose);
    f.put("MaxPool", ConvKernels::maxPool);
    f.put("AveragePool", ConvKernels::averagePool);
    f.put(
        "GlobalAveragePool",
        (n, o) -> (c, in) -> Kernels.one(Kernels.mean(in[0], spatialAxes(in[0]), true)));
    f.put(
        "GlobalMaxPool",
        (n, o) ->
            (c, in) ->
                Kernels.one(Kernels.successive(in[0], spatialAxes(in[0]), true, NDArray::max)));
  }

  static int[] spatialAxes(NDArray x) {
    int rank = x.getShape().dimension();
    int[] axes = new int[rank - 2];
    for (int i = 2; i < rank; i++) {
      axes[i - 2] = i;
    }
    return axes;
  }

  static long[] spatial(NDArray x) {
    return x.getShape().slice(2).getShape();
  }

  static long[] filled(int n, long v) {
    long[] a = new long[n];
    Arrays.fill(a, v);
    return a;
  }

  /**
   * Pads the trailing {@code begin.length} dimensions of {@code x} with {@code value}; negative
   * amounts crop.
   */
  static NDArray padSpatial(NDArray x, long[] begin, long[] end, double value) {
    int nd = begin.length;
    long[] spec = new long[2 * nd];
    boolean any = false;
    for (int i = 0; i < nd; i++) {
      // the engine's pad list starts at the last dimension
      spec[2 * i] = begin[nd - 1 - i];
      spec[2 * i + 1] = end[nd - 1 - i];
      any |= spec[2 * i] != 0 || spec[2 * i + 1] != 0;
    }
    return any ? x.pad(new Shape(spec), value) : x;
  }

  private static boolean symmetric(Window w) {
    return Arrays.equals(w.padsBegin(), w.padsEnd());
  }

  private static Kernel conv(Node n, long opset) {
    ConvAttributes a = ConvAttributes.of(n);
    int group = (int) a.group();
    return (c, in) -> {
      NDArray x = in[0];
      NDArray weight = in[1];
      NDArray bias = in.length > 2 ? in[2] : null;
      int nd = x.getShape().dimension() - 2;
      long[] k = weight.getShape().slice(2).getShape();
      if (nd < 1 || nd > 3 || k.length != nd) {
        throw new IllegalArgumentException(
            "node "
                + n.label()
                + ": input "
                + x.getShape()
                + " and weight "
                + weight.getShape()
                + " do not describe a 1-D, 2-D or 3-D convolution");
      }
      Window w = a.window(spatial(x), a.kernel(k));
      long[] pad = w.padsBegin();
      if (!symmetric(w)) {
        x = padSpatial(x, w.padsBegin(), w.padsEnd(), 0);
        pad = new long[nd];
      }
      return Kernels.one(
          x.getNDArrayInternal()
              .convolution(
                  x,
                  weight,
                  bias,
                  new Shape(w.strides()),
                  new Shape(pad),
                  new Shape(w.dilations()),
                  group)
              .singletonOrThrow());
    };
  }

  /**
   * ConvTranspose as a stride-1 convolution: insert (s - 1) zeros between input elements, pad by d
   * (k - 1) - pad (begin) and d (k - 1) - pad + output_padding (end), and convolve with the flipped
   * kernel whose in/out channels are swapped per group.
   */
  private static Kernel convTranspose(Node n, long opset) {
    ConvAttributes a = ConvAttributes.of(n);
    int group = (int) a.group();
    return (c, in) -> {
      NDArray x = in[0];
      NDArray weight = in[1];
      NDArray bias = in.length > 2 ? in[2] : null;
      int nd = x.getShape().dimension() - 2;
      long[] inSize = spatial(x);
      Window w = a.transposedWindow(inSize, a.kernel(weight.getShape().slice(2).getShape()));
      long[] k = w.kernel();
      long[] s = w.strides();
      long[] d = w.dilations();
      long[] op = a.outputPadding(nd);
      long[] begin = w.padsBegin();
      long[] end = w.padsEnd();
      // 1. zero insertion
      NDArray up = x;
      boolean strided = false;
      for (long si : s) {
        strided |= si != 1;
      }
      if (strided) {
        Shape xs = x.getShape();
        long[] inter = new long[2 + 2 * nd];
        inter[0] = xs.get(0);
        inter[1] = xs.get(1);
        for (int i = 0; i < nd; i++) {
          inter[2 + 2 * i] = inSize[i];
          inter[3 + 2 * i] = 1;
        }
        long[] padB = new long[2 * nd];
        long[] padE = new long[2 * nd];
        for (int i = 0; i < nd; i++) {
          padE[2 * i + 1] = s[i] - 1;
        }
        up = padSpatial(x.reshape(new Shape(inter)), padB, padE, 0);
        long[] flat = new long[2 + nd];
        flat[0] = xs.get(0);
        flat[1] = xs.get(1);
        for (int i = 0; i < nd; i++) {
          flat[2 + i] = inSize[i] * s[i];
        }
        up = up.reshape(new Shape(flat));
      }
      // 2. padding (the zero insertion left s - 1 extra zeros at the end of each dimension)
      long[] pb = new long[nd];
      long[] pe = new long[nd];
      for (int i = 0; i < nd; i++) {
        pb[i] = d[i] * (k[i] - 1) - begin[i];
        pe[i] = d[i] * (k[i] - 1) - end[i] + op[i] - (s[i] - 1);
      }
      up = padSpatial(up, pb, pe, 0);
      // 3. weight [Cin, Cout/g, k..] -> [Cout, Cin/g, k..], flipped spatially
      Shape ws = weight.getShape();
      long cin = ws.get(0);
      long coutG = ws.get(1);
      long[] grouped = new long[3 + nd];
      grouped[0] = group;
      grouped[1] = cin / group;
      grouped[2] = coutG;
      System.arraycopy(k, 0, grouped, 3, nd);
      int[] perm = new int[3 + nd];
      perm[0] = 0;
      perm[1] = 2;
      perm[2] = 1;
      for (int i = 0; i < nd; i++) {
        perm[3 + i] = 3 + i;
      }
      long[] convShape = new long[2 + nd];
      convShape[0] = group * coutG;
      convShape[1] = cin / group;
      System.arraycopy(k, 0, convShape, 2, nd);
      int[] flipAxes = new int[nd];
      for (int i = 0; i < nd; i++) {
        flipAxes[i] = 2 + i;
      }
      NDArray wt =
          weight
              .reshape(new Shape(grouped))
              .transpose(perm)
              .reshape(new Shape(convShape))
              .flip(flipAxes);
      wt = c.own(wt);
      return Kernels.one(
          up.getNDArrayInternal()
              .convolution(
                  up,
                  wt,
                  bias,
                  new Shape(filled(nd, 1)),
                  new Shape(new long[nd]),
                  new Shape(d),
                  group)
              .singletonOrThrow());
    };
  }

  /** Pooling attributes; dilations other than 1 are not supported by the engine's pooling. */
  private static ConvAttributes poolAttributes(Node n) {
    ConvAttributes a = ConvAttributes.of(n);
    long[] k = a.poolKernel();
    for (long d : a.dilations(k.length)) {
      if (d != 1) {
        throw new UnsupportedOpException(n.opType(), n.name(), "dilations other than 1 in pooling");
      }
    }
    return a;
  }

  private static Kernel maxPool(Node n, long opset) {
    ConvAttributes a = poolAttributes(n);
    if (n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
      throw new UnsupportedOpException(n.opType(), n.name(), "the Indices output is not supported");
    }
    if (n.attrLong("storage_order", 0) != 0) {
      throw new UnsupportedOpException(n.opType(), n.name(), "storage_order=1");
    }
    return (c, in) -> {
      NDArray x = in[0];
      Window w = a.window(spatial(x), a.poolKernel());
      int nd = w.rank();
      long[] pad = w.padsBegin();
      if (!symmetric(w) || !withinHalfKernel(pad, w.kernel())) {
        x = padSpatial(x, w.padsBegin(), w.padsEnd(), Double.NEGATIVE_INFINITY);
        pad = new long[nd];
      }
      return Kernels.one(
          x.getNDArrayInternal()
              .maxPool(
                  new Shape(w.kernel()), new Shape(w.strides()), new Shape(pad), a.ceilMode()));
    };
  }

  private static boolean withinHalfKernel(long[] pad, long[] k) {
    for (int i = 0; i < pad.length; i++) {
      if (pad[i] > k[i] / 2) {
        return false;
      }
    }
    return true;
  }

  /**
   * AveragePool. With asymmetric padding and count_include_pad = 0 the average is computed as
   * sum-pool(x) / sum-pool(mask) on explicitly zero-padded tensors.
   */
  private static Kernel averagePool(Node n, long opset) {
    ConvAttributes a = poolAttributes(n);
    boolean countPad = n.attrLong("count_include_pad", 0) != 0;
    return (c, in) -> {
      NDArray x = in[0];
      Window w = a.window(spatial(x), a.poolKernel());
      int nd = w.rank();
      long[][] p = {w.padsBegin(), w.padsEnd()};
      Shape k = new Shape(w.kernel());
      Shape st = new Shape(w.strides());
      // the engine's count_include_pad=false path is not used: it divided by the full window
      boolean noPad =
          Arrays.stream(p[0]).allMatch(v -> v == 0) && Arrays.stream(p[1]).allMatch(v -> v == 0);
      if (noPad || (countPad && symmetric(w) && withinHalfKernel(p[0], w.kernel()))) {
        return Kernels.one(
            x.getNDArrayInternal().avgPool(k, st, new Shape(p[0]), a.ceilMode(), countPad));
      }
      Shape zero = new Shape(new long[nd]);
      NDArray xp = padSpatial(x, p[0], p[1], 0);
      NDArray sum = xp.getNDArrayInternal().avgPool(k, st, zero, a.ceilMode(), true);
      if (countPad) {
        return Kernels.one(sum);
      }
      long[] ones = filled(2 + nd, 1);
      System.arraycopy(spatial(x), 0, ones, 2, nd);
      NDArray mask = padSpatial(c.manager().ones(new Shape(ones), x.getDataType()), p[0], p[1], 0);
      NDArray count = mask.getNDArrayInternal().avgPool(k, st, zero, a.ceilMode(), true);
      return Kernels.one(sum.div(count));
    };
  }
}
