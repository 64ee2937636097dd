package org.lowrank.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.graph.DataType;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;

/**
 * Static shape and type rules of the CNN op set, registered per op in {@link OpRegistry}.
 * Conventions follow the ONNX operator specs; the Conv/pool geometry is {@link ConvAttributes}'.
 */
public final class ShapeRules {
  private ShapeRules() {}

  /** Ops whose output has their first input's shape: {@link Elementwise#UNARY} and these. */
  private static final String[] SAME_SHAPE =
      java.util.stream.Stream.concat(
              Elementwise.UNARY.stream(),
              java.util.stream.Stream.of(
                  "Not",
                  "Cast",
                  "CastLike",
                  "LRN",
                  "InstanceNormalization",
                  "Softmax",
                  "LogSoftmax",
                  "Hardmax",
                  "Sin",
                  "Cos",
                  "Tan",
                  "Asin",
                  "Acos",
                  "Atan",
                  "Sinh",
                  "Cosh",
                  "IsNaN",
                  "IsInf",
                  "Shrink",
                  "Trilu",
                  "CumSum",
                  "QuantizeLinear",
                  "DequantizeLinear",
                  "MeanVarianceNormalization",
                  "BitwiseNot",
                  "PRelu"))
          .toArray(String[]::new);

  private static final String[] BROADCAST = {
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "Max",
    "Min",
    "Sum",
    "Mean",
    "Equal",
    "Less",
    "Greater",
    "LessOrEqual",
    "GreaterOrEqual",
    "And",
    "Or",
    "Xor",
    "Where",
    "Mod",
    "BitShift",
    "BitwiseAnd",
    "BitwiseOr",
    "BitwiseXor"
  };

  private static final String[] BOOL_OUT = {
    "Equal",
    "Less",
    "Greater",
    "LessOrEqual",
    "GreaterOrEqual",
    "And",
    "Or",
    "Xor",
    "Not",
    "IsNaN",
    "IsInf"
  };

  private static final String[] REDUCE = {
    "ReduceMean",
    "ReduceSum",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceSumSquare"
  };

  /** The shape rules, output types and input counts, one registration per op. */
  static void register(OpRegistry.Builder b) {
    b.shape((n, in, c) -> one(in.isEmpty() ? null : in.get(0)), SAME_SHAPE);
    b.shape(
        (n, in, c) -> {
          long[] out = in.get(0);
          for (int i = 1; i < in.size(); i++) {
            if (in.get(i) != null) {
              out = Shapes.broadcast(n, out, in.get(i));
            }
          }
          return one(out);
        },
        BROADCAST);
    b.shape((n, in, c) -> one(reduce(n, in.get(0), c)), REDUCE);
    b.shape((n, in, c) -> one(ConstantOps.constantValue(n).dims()), "Constant");
    b.shape((n, in, c) -> one(conv(n, in.get(0), in.get(1))), "Conv");
    b.shape((n, in, c) -> one(convTranspose(n, in.get(0), in.get(1))), "ConvTranspose");
    b.shape(
        (n, in, c) -> {
          long[] y = pool(n, in.get(0));
          return n.outputs().size() > 1 ? new long[][] {y, y} : one(y);
        },
        "MaxPool",
        "AveragePool",
        "LpPool");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          requireRank(n, x, 3, "input");
          long[] y = x.clone();
          Arrays.fill(y, 2, y.length, 1);
          return one(y);
        },
        "GlobalAveragePool",
        "GlobalMaxPool",
        "GlobalLpPool");
    b.shape((n, in, c) -> one(gemm(n, in.get(0), in.get(1))), "Gemm");
    b.shape((n, in, c) -> one(matmul(n, in.get(0), in.get(1))), "MatMul");
    b.shape(
        (n, in, c) -> {
          long[][] out = new long[n.outputs().size()][];
          out[0] = in.get(0);
          for (int i = 1; i < out.length; i++) {
            out[i] = new long[] {in.get(0)[1]};
          }
          return out;
        },
        "BatchNormalization");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          long[][] out = new long[n.outputs().size()][];
          out[0] = x;
          int axis = Shapes.axis(n, n.attrLong("axis", -1), x.length, "axis");
          long[] stat = x.clone();
          Arrays.fill(stat, axis, stat.length, 1);
          for (int i = 1; i < out.length; i++) {
            out[i] = stat;
          }
          return out;
        },
        "LayerNormalization");
    b.shape(
        (n, in, c) -> n.outputs().size() > 1 ? new long[][] {in.get(0), in.get(0)} : one(in.get(0)),
        "Dropout");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          int axis = Shapes.flattenAxis(n, n.attrLong("axis", 1), x.length);
          return one(new long[] {Shapes.product(x, 0, axis), Shapes.product(x, axis, x.length)});
        },
        "Flatten");
    b.shape(
        (n, in, c) -> {
          long[] target =
              n.inputs().size() > 1
                  ? c.value(n, 1, "shape").toLongArray()
                  : n.attrLongs("shape", null);
          if (target == null) {
            throw new ModelException(n, "Reshape has neither a shape input nor a shape attribute");
          }
          return one(ConstantOps.reshapeDims(n, in.get(0), target));
        },
        "Reshape");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          int[] p = ConstantOps.permutation(n, n.attrLongs("perm", null), x.length);
          long[] y = new long[x.length];
          for (int i = 0; i < y.length; i++) {
            y[i] = x[p[i]];
          }
          return one(y);
        },
        "Transpose");
    b.shape((n, in, c) -> one(ConstantOps.squeezeDims(n, in.get(0), axes(n, c))), "Squeeze");
    b.shape((n, in, c) -> one(ConstantOps.unsqueezeDims(n, in.get(0), axes(n, c))), "Unsqueeze");
    b.shape((n, in, c) -> one(concat(n, in)), "Concat");
    b.shape(
        (n, in, c) ->
            one(ConstantOps.sliceSpec(n, in.get(0), inputValues(n, c), c.opset()).outDims()),
        "Slice");
    b.shape((n, in, c) -> one(pad(n, in.get(0), c)), "Pad");
    b.shape(
        (n, in, c) -> {
          long[] r = shapeRange(n, in.get(0).length);
          return one(new long[] {r[1] - r[0]});
        },
        "Shape");
    b.shape((n, in, c) -> one(new long[0]), "Size");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          int axis = Shapes.axis(n, n.attrLong("axis", 0), x.length, "axis");
          long[] idx = in.get(1);
          long[] y = new long[x.length - 1 + idx.length];
          System.arraycopy(x, 0, y, 0, axis);
          System.arraycopy(idx, 0, y, axis, idx.length);
          System.arraycopy(x, axis + 1, y, axis + idx.length, x.length - axis - 1);
          return one(y);
        },
        "Gather");
    b.shape((n, in, c) -> one(in.get(1)), "GatherElements");
    b.shape(
        (n, in, c) -> one(checkedDims(n, c.value(n, 0, "shape").toLongArray())), "ConstantOfShape");
    b.shape(
        (n, in, c) -> one(Shapes.broadcast(n, in.get(0), c.value(n, 1, "shape").toLongArray())),
        "Expand");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          long[] reps = c.value(n, 1, "repeats").toLongArray();
          if (reps.length != x.length) {
            throw new ModelException(
                n, "repeats " + Arrays.toString(reps) + " do not match rank " + x.length);
          }
          long[] y = x.clone();
          for (int i = 0; i < y.length; i++) {
            y[i] = Math.multiplyExact(y[i], reps[i]);
          }
          return one(y);
        },
        "Tile");
    b.shape(
        (n, in, c) -> {
          List<TensorValue> v =
              List.of(c.value(n, 0, "start"), c.value(n, 1, "limit"), c.value(n, 2, "delta"));
          return one(ConstantOps.evaluate(n, v, c.opset()).orElseThrow().dims());
        },
        "Range");
    b.shape((n, in, c) -> split(n, in.get(0), c), "Split");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          int axis = Shapes.axis(n, n.attrLong("axis", 0), x.length, "axis");
          return one(dropAxes(x, new boolean[] {}, axis, n.attrLong("keepdims", 1) == 1));
        },
        "ArgMax",
        "ArgMin");
    b.shape(
        (n, in, c) -> {
          long[] x = in.get(0);
          int axis = Shapes.axis(n, n.attrLong("axis", -1), x.length, "axis");
          long k = n.inputs().size() > 1 ? c.value(n, 1, "K").longAt(0) : n.attrLong("k", 1);
          long[] y = x.clone();
          y[axis] = k;
          return new long[][] {y, y};
        },
        "TopK");
    b.shape((n, in, c) -> one(resize(n, in.get(0), c)), "Resize", "Upsample");
    b.shape((n, in, c) -> one(depthSpace(n, in.get(0))), "DepthToSpace", "SpaceToDepth");
    b.shape((n, in, c) -> one(in.get(0)), "ScatterND", "ScatterElements");
    b.shape((n, in, c) -> one(einsum(n, in)), "Einsum");

    b.minInputs(
        2, "Conv", "ConvTranspose", "Gemm", "MatMul", "Gather", "GatherElements", "Expand", "Tile");
    b.minInputs(3, "Range");
    b.minInputs(
        1,
        "ConstantOfShape",
        "BatchNormalization",
        "MaxPool",
        "AveragePool",
        "Reshape",
        "Slice",
        "Pad",
        "Concat",
        "Flatten",
        "Transpose",
        "Squeeze",
        "Unsqueeze",
        "Shape",
        "Split");

    b.type(TypeRule.always(DataType.BOOL), BOOL_OUT);
    b.type(TypeRule.always(DataType.INT64), "Shape", "Size", "ArgMax", "ArgMin", "NonZero");
    b.type((n, o, in) -> dataType(n.attrLong("to", 1)), "Cast");
    b.type(
        (n, o, in) -> in.size() > 1 && in.get(1) != null ? in.get(1) : TypeRule.first(in),
        "CastLike",
        "Where");
    b.type(TypeRule.always(DataType.FLOAT), "DequantizeLinear");
    b.type(
        (n, o, in) ->
            in.size() > 2 && in.get(2) != null
                ? in.get(2)
                : n.hasAttribute("output_dtype")
                    ? dataType(n.attrLong("output_dtype", 2))
                    : DataType.UINT8,
        "QuantizeLinear");
    b.type((n, o, in) -> ConstantOps.constantValue(n).dataType(), "Constant");
    b.type(
        (n, o, in) ->
            n.hasAttribute("value")
                ? n.attributes().get("value").asTensor().dataType()
                : DataType.FLOAT,
        "ConstantOfShape");
    b.type((n, o, in) -> o == 1 ? DataType.INT64 : TypeRule.first(in), "MaxPool", "TopK");
    b.type((n, o, in) -> o == 1 ? DataType.BOOL : TypeRule.first(in), "Dropout");
  }

  private static DataType dataType(long code) {
    try {
      return DataType.fromOnnx((int) code);
    } catch (IllegalArgumentException e) {
      return DataType.UNDEFINED;
    }
  }

  /** [start, end) of the Shape op's slice of a rank-{@code rank} shape (opset 15 start/end). */
  public static long[] shapeRange(Node n, int rank) {
    long s = n.attrLong("start", 0);
    long e = n.attrLong("end", rank);
    s = s < 0 ? s + rank : s;
    e = e < 0 ? e + rank : e;
    s = Math.max(0, Math.min(s, rank));
    e = Math.max(s, Math.min(e, rank));
    return new long[] {s, e};
  }

  /** Constant values of inputs 1.. (null for input 0 and omitted inputs). */
  private static List<TensorValue> inputValues(Node n, ShapeContext c) {
    List<TensorValue> vs = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      vs.add(i == 0 || n.input(i).isEmpty() ? null : c.value(n, i, "parameter #" + i));
    }
    return vs;
  }

  private static long[][] one(long[] s) {
    return new long[][] {s};
  }

  private static long[] checkedDims(Node n, long[] dims) {
    for (long d : dims) {
      if (d < 0) {
        throw new ModelException(n, "shape " + Arrays.toString(dims) + " has a negative dimension");
      }
    }
    Shapes.product(dims);
    return dims;
  }

  private static void requireRank(Node n, long[] s, int minRank, String what) {
    if (s.length < minRank) {
      throw new ModelException(
          n, what + " has shape " + Shapes.str(s) + ", expected rank >= " + minRank);
    }
  }

  private static long[] axes(Node n, ShapeContext ctx) {
    if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
      return ctx.value(n, 1, "axes").toLongArray();
    }
    return n.attrLongs("axes", null);
  }

  private static long[] reduce(Node n, long[] x, ShapeContext ctx) {
    long[] axes = axes(n, ctx);
    boolean keep = n.attrLong("keepdims", 1) == 1;
    if ((axes == null || axes.length == 0) && n.attrLong("noop_with_empty_axes", 0) == 1) {
      return x;
    }
    boolean[] drop = new boolean[x.length];
    if (axes == null || axes.length == 0) {
      Arrays.fill(drop, true);
    } else {
      for (long a : axes) {
        drop[Shapes.axis(n, a, x.length, "axis")] = true;
      }
    }
    return dropAxes(x, drop, -1, keep);
  }

  private static long[] dropAxes(long[] x, boolean[] drop, int single, boolean keep) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      boolean d = i == single || (i < drop.length && drop[i]);
      if (!d) {
        out.add(x[i]);
      } else if (keep) {
        out.add(1L);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] conv(Node n, long[] x, long[] w) {
    requireRank(n, x, 3, "input");
    if (w == null || w.length != x.length) {
      throw new ModelException(
          n,
          "weight shape "
              + Shapes.str(w)
              + " does not match input shape "
              + Shapes.str(x)
              + " (expected W [C_out, C_in/group, k...] of the same rank as X)");
    }
    ConvAttributes a = ConvAttributes.of(n);
    long group = a.group();
    if (group <= 0 || x[1] % group != 0 || w[0] % group != 0 || x[1] / group != w[1]) {
      throw new ModelException(
          n,
          "input has "
              + x[1]
              + " channels, weight "
              + Shapes.str(w)
              + " with group="
              + group
              + " expects "
              + Math.multiplyExact(w[1], Math.max(group, 1))
              + " (and C_out divisible by group)");
    }
    Window win =
        a.window(Arrays.copyOfRange(x, 2, x.length), a.kernel(Arrays.copyOfRange(w, 2, w.length)));
    long[] y = new long[x.length];
    y[0] = x[0];
    y[1] = w[0];
    System.arraycopy(win.outSpatial(), 0, y, 2, win.outSpatial().length);
    return y;
  }

  private static long[] convTranspose(Node n, long[] x, long[] w) {
    requireRank(n, x, 3, "input");
    ConvAttributes a = ConvAttributes.of(n);
    if (w == null || w.length != x.length || w[0] != x[1]) {
      throw new ModelException(
          n,
          "weight shape "
              + Shapes.str(w)
              + " does not match input "
              + Shapes.str(x)
              + " (expected W [C_in, C_out/group, k...])");
    }
    Window win =
        a.transposedWindow(
            Arrays.copyOfRange(x, 2, x.length), a.kernel(Arrays.copyOfRange(w, 2, w.length)));
    long[] y = new long[x.length];
    y[0] = x[0];
    y[1] = Math.multiplyExact(w[1], a.group());
    System.arraycopy(win.outSpatial(), 0, y, 2, win.outSpatial().length);
    return y;
  }

  private static long[] pool(Node n, long[] x) {
    requireRank(n, x, 3, "input");
    ConvAttributes a = ConvAttributes.of(n);
    Window win = a.window(Arrays.copyOfRange(x, 2, x.length), a.poolKernel());
    long[] y = x.clone();
    System.arraycopy(win.outSpatial(), 0, y, 2, win.outSpatial().length);
    return y;
  }

  private static long[] gemm(Node n, long[] a, long[] b) {
    if (a.length != 2 || b == null || b.length != 2) {
      throw new ModelException(
          n, "Gemm needs rank-2 A and B, got " + Shapes.str(a) + " and " + Shapes.str(b));
    }
    GemmAttributes g = GemmAttributes.of(n);
    boolean ta = g.transA();
    boolean tb = g.transB();
    long m = g.rows(a);
    long k = g.inner(a);
    long kb = g.innerOfB(b);
    long nn = g.columns(b);
    if (k != kb) {
      throw new ModelException(
          n,
          "A "
              + Shapes.str(a)
              + (ta ? "^T" : "")
              + " and B "
              + Shapes.str(b)
              + (tb ? "^T" : "")
              + " have inner dimensions "
              + k
              + " and "
              + kb);
    }
    return new long[] {m, nn};
  }

  private static long[] matmul(Node n, long[] a, long[] b) {
    if (a.length == 0 || b == null || b.length == 0) {
      throw new ModelException(n, "MatMul of scalars " + Shapes.str(a) + " x " + Shapes.str(b));
    }
    long[] aa = a.length == 1 ? new long[] {1, a[0]} : a;
    long[] bb = b.length == 1 ? new long[] {b[0], 1} : b;
    if (aa[aa.length - 1] != bb[bb.length - 2]) {
      throw new ModelException(
          n,
          "cannot multiply "
              + Shapes.str(a)
              + " by "
              + Shapes.str(b)
              + ": inner dimensions "
              + aa[aa.length - 1]
              + " and "
              + bb[bb.length - 2]);
    }
    long[] batch =
        Shapes.broadcast(n, Arrays.copyOf(aa, aa.length - 2), Arrays.copyOf(bb, bb.length - 2));
    List<Long> out = new ArrayList<>();
    for (long v : batch) {
      out.add(v);
    }
    if (a.length > 1) {
      out.add(aa[aa.length - 2]);
    }
    if (b.length > 1) {
      out.add(bb[bb.length - 1]);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] concat(Node n, List<long[]> in) {
    long[] first = in.get(0);
    int axis = Shapes.axis(n, n.attrLong("axis", 0), first.length, "axis");
    long[] y = first.clone();
    y[axis] = 0;
    for (long[] s : in) {
      if (s == null) {
        continue;
      }
      if (s.length != first.length) {
        throw new ModelException(
            n, "cannot concatenate " + Shapes.str(first) + " and " + Shapes.str(s));
      }
      for (int i = 0; i < s.length; i++) {
        if (i != axis && s[i] != first[i]) {
          throw new ModelException(
              n,
              "cannot concatenate "
                  + Shapes.str(first)
                  + " and "
                  + Shapes.str(s)
                  + " on axis "
                  + axis
                  + ": axis "
                  + i
                  + " differs");
        }
      }
      y[axis] = Math.addExact(y[axis], s[axis]);
    }
    return y;
  }

  private static long[] pad(Node n, long[] x, ShapeContext ctx) {
    long[] pads;
    long[] axes = null;
    if (ctx.opset() < 11 || n.inputs().size() < 2 || n.input(1).isEmpty()) {
      pads = padsAttribute(n);
    } else {
      pads = ctx.value(n, 1, "pads").toLongArray();
      if (n.inputs().size() > 3 && !n.input(3).isEmpty()) {
        axes = ctx.value(n, 3, "axes").toLongArray();
      }
    }
    long[][] be = padsPerAxis(n, pads, axes, x);
    long[] y = x.clone();
    for (int i = 0; i < y.length; i++) {
      y[i] = Math.addExact(y[i], be[0][i] + be[1][i]);
    }
    return y;
  }

  /** Pad's {@code pads} attribute (opset < 11; called {@code paddings} before opset 2), or null. */
  public static long[] padsAttribute(Node n) {
    return n.hasAttribute("pads") ? n.attrLongs("pads", null) : n.attrLongs("paddings", null);
  }

  /**
   * Pad amounts [begin, end] per axis of an input of shape {@code x}, from {@code pads} =
   * [b_1..b_k, e_1..e_k] over {@code axes} (all axes when null); negative amounts crop.
   *
   * @throws ModelException when pads are missing or their count does not fit the axes
   */
  public static long[][] padsPerAxis(Node n, long[] pads, long[] axes, long[] x) {
    if (pads == null) {
      throw new ModelException(n, "Pad without pads");
    }
    int k = axes == null ? x.length : axes.length;
    if (pads.length != 2 * k) {
      throw new ModelException(
          n,
          "pads "
              + Arrays.toString(pads)
              + " need "
              + 2 * k
              + " values for input "
              + Shapes.str(x));
    }
    long[][] be = new long[2][x.length];
    for (int i = 0; i < k; i++) {
      int ax = axes == null ? i : Shapes.axis(n, axes[i], x.length, "axis");
      be[0][ax] = pads[i];
      be[1][ax] = pads[i + k];
    }
    return be;
  }

  private static long[][] split(Node n, long[] x, ShapeContext ctx) {
    int axis = Shapes.axis(n, n.attrLong("axis", 0), x.length, "axis");
    int outs = n.outputs().size();
    long[] parts;
    if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
      parts = ctx.value(n, 1, "split").toLongArray();
    } else if (n.hasAttribute("split")) {
      parts = n.attrLongs("split", null);
    } else {
      long chunk = (x[axis] + outs - 1) / outs;
      parts = new long[outs];
      long left = x[axis];
      for (int i = 0; i < outs; i++) {
        parts[i] = Math.min(chunk, left);
        left -= parts[i];
      }
    }
    if (parts.length != outs || Arrays.stream(parts).sum() != x[axis]) {
      throw new ModelException(
          n,
          "split "
              + Arrays.toString(parts)
              + " does not divide axis "
              + axis
              + " of "
              + Shapes.str(x)
              + " into "
              + outs
              + " outputs");
    }
    long[][] out = new long[outs][];
    for (int i = 0; i < outs; i++) {
      out[i] = x.clone();
      out[i][axis] = parts[i];
    }
    return out;
  }

  private static long[] resize(Node n, long[] x, ShapeContext ctx) {
    TensorValue sizes = null;
    TensorValue scales = null;
    if (n.opType().equals("Upsample")) {
      scales = n.inputs().size() > 1 ? ctx.value(n, 1, "scales") : null;
      if (scales == null && n.hasAttribute("scales")) {
        float[] f = n.attributes().get("scales").asFloats();
        scales = TensorValue.ofFloats(new long[] {f.length}, f);
      }
    } else if (ctx.opset() < 11) {
      scales = ctx.value(n, 1, "scales");
    } else {
      scales = n.inputs().size() > 2 ? ctx.optionalValue(n, 2, "scales") : null;
      sizes = n.inputs().size() > 3 ? ctx.optionalValue(n, 3, "sizes") : null;
    }
    if (n.hasAttribute("axes")) {
      throw new UnsupportedModelException(n, "Resize with the axes attribute is not supported");
    }
    long[] y = x.clone();
    if (sizes != null && sizes.elementCount() > 0) {
      long[] s = sizes.toLongArray();
      if (s.length != x.length) {
        throw new ModelException(
            n, "sizes " + Arrays.toString(s) + " do not match input " + Shapes.str(x));
      }
      return checkedDims(n, s);
    }
    if (scales == null || scales.elementCount() != x.length) {
      throw new ModelException(n, "needs scales or sizes matching input " + Shapes.str(x));
    }
    for (int i = 0; i < x.length; i++) {
      y[i] = (long) Math.floor(x[i] * (double) scales.floatAt(i));
    }
    return y;
  }

  /**
   * Einsum output shape: each letter's size from the inputs, "..." broadcast across inputs;
   * implicit output (no "->") = the letters used once, in alphabetical order, after the broadcast
   * "..." dims.
   */
  private static long[] einsum(Node n, List<long[]> in) {
    String eq = n.attrString("equation", "").replace(" ", "");
    int arrow = eq.indexOf("->");
    String lhs = arrow >= 0 ? eq.substring(0, arrow) : eq;
    String[] terms = lhs.split(",", -1);
    if (terms.length != in.size()) {
      throw new ModelException(
          n, "equation '" + eq + "' has " + terms.length + " operands, the node " + in.size());
    }
    Map<Character, Long> size = new HashMap<>();
    Map<Character, Integer> count = new HashMap<>();
    long[] ellipsis = new long[0];
    for (int t = 0; t < terms.length; t++) {
      String term = terms[t];
      long[] d = in.get(t);
      int dots = term.indexOf("...");
      String letters = term.replace("...", "");
      int ellRank = d.length - letters.length();
      if (ellRank < 0 || (dots < 0 && ellRank != 0)) {
        throw new ModelException(
            n, "operand " + t + " '" + term + "' does not match shape " + Shapes.str(d));
      }
      int pos = 0;
      for (int i = 0; i < term.length(); i++) {
        if (i == dots) {
          ellipsis = Shapes.broadcast(n, ellipsis, Arrays.copyOfRange(d, pos, pos + ellRank));
          pos += ellRank;
          i += 2;
          continue;
        }
        char c = term.charAt(i);
        long v = d[pos++];
        Long prev = size.get(c);
        if (prev != null && prev != v && prev != 1 && v != 1) {
          throw new ModelException(
              n, "letter '" + c + "' is " + prev + " and " + v + " in equation '" + eq + "'");
        }
        size.put(c, prev == null || prev == 1 ? v : prev);
        count.merge(c, 1, Integer::sum);
      }
    }
    String rhs;
    if (arrow >= 0) {
      rhs = eq.substring(arrow + 2);
    } else {
      StringBuilder sb = new StringBuilder(ellipsis.length > 0 ? "..." : "");
      count.keySet().stream().filter(c -> count.get(c) == 1).sorted().forEach(sb::append);
      rhs = sb.toString();
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < rhs.length(); i++) {
      if (rhs.startsWith("...", i)) {
        for (long v : ellipsis) {
          out.add(v);
        }
        i += 2;
        continue;
      }
      Long v = size.get(rhs.charAt(i));
      if (v == null) {
        throw new ModelException(
            n, "output letter '" + rhs.charAt(i) + "' of '" + eq + "' is not in any operand");
      }
      out.add(v);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] depthSpace(Node n, long[] x) {
    if (x.length != 4) {
      throw new ModelException(n, "expects a rank-4 input, got " + Shapes.str(x));
    }
    long b = n.attrLong("blocksize", 0);
    if (b <= 0) {
      throw new ModelException(n, "blocksize must be positive");
    }
    if (n.opType().equals("DepthToSpace")) {
      if (x[1] % (b * b) != 0) {
        throw new ModelException(n, "channels " + x[1] + " not divisible by blocksize^2 " + b * b);
      }
      return new long[] {x[0], x[1] / (b * b), x[2] * b, x[3] * b};
    }
    if (x[2] % b != 0 || x[3] % b != 0) {
      throw new ModelException(
          n, "spatial size " + Shapes.str(x) + " not divisible by blocksize " + b);
    }
    return new long[] {x[0], x[1] * b * b, x[2] / b, x[3] / b};
  }
}
