package org.lowrank.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.DataType;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/**
 * Evaluates the data-movement and small arithmetic ONNX ops on constant tensors: what weight
 * folding and shape inference need to turn {@code Constant}/{@code Reshape}/{@code Transpose}/...
 * chains and shape computations ({@code Shape -> Gather -> Unsqueeze -> Concat}) into known values.
 * Only the default ONNX domain; integral tensors are evaluated exactly in {@code long}.
 */
public final class ConstantOps {
  private ConstantOps() {}

  /** The value of a {@code Constant} node (any of its value attributes). */
  public static TensorValue constantValue(Node node) {
    for (Attribute a : node.attributes().values()) {
      switch (a.name()) {
        case "value":
          return a.asTensor();
        case "value_float":
          return TensorValue.scalar(a.asFloat());
        case "value_floats":
          {
            float[] f = a.asFloats();
            return TensorValue.ofFloats(new long[] {f.length}, f);
          }
        case "value_int":
          return TensorValue.ofLongs(new long[0], new long[] {a.asLong()});
        case "value_ints":
          {
            long[] l = a.asLongs();
            return TensorValue.ofLongs(new long[] {l.length}, l);
          }
        default:
          break;
      }
    }
    throw new UnsupportedOperationException(
        "Constant node "
            + node.label()
            + " has no supported value attribute (sparse_value or strings?)");
  }

  /**
   * Evaluates {@code node} on constant inputs ({@code inputs.get(i)} is null for an omitted
   * optional input) and returns its first output, or empty when the op is not supported here.
   *
   * @param opset default-domain opset (selects the attribute or input form of Slice/Squeeze/...)
   * @throws ModelException when the inputs do not fit the op
   */
  public static Optional<TensorValue> evaluate(Node node, List<TensorValue> inputs, long opset) {
    ConstantRule rule = OpRegistry.lookup(node).map(OpSemantics::constant).orElse(null);
    if (rule == null) {
      return Optional.empty();
    }
    TensorValue x = inputs.isEmpty() ? null : inputs.get(0);
    if (!node.opType().equals("Constant") && !node.opType().equals("Range") && x == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(rule.evaluate(node, inputs, opset));
    } catch (TooLargeException e) {
      return Optional.empty(); // left to the runtime
    } catch (IllegalArgumentException
        | ArithmeticException
        | IllegalStateException
        | IndexOutOfBoundsException e) {
      throw new ModelException(node, "cannot evaluate on constant inputs: " + e.getMessage(), e);
    }
  }

  /** True when {@link #evaluate} can compute the default-domain op (Constant included). */
  public static boolean supports(String opType) {
    return OpRegistry.isFoldable(opType);
  }

  /** The constant rules, one per op (input 0 is non-null except for Constant and Range). */
  static void register(OpRegistry.Builder b) {
    b.constant((n, in, o) -> constantValue(n), "Constant");
    b.constant((n, in, o) -> in.get(0), "Identity");
    b.constant((n, in, o) -> cast(in.get(0), DataType.fromOnnx((int) n.attrLong("to", 1))), "Cast");
    b.constant((n, in, o) -> cast(in.get(0), input(in, 1).dataType()), "CastLike");
    b.constant(
        (n, in, o) -> in.get(0).reshape(reshapeDims(n, in.get(0).dims(), reshapeTarget(n, in))),
        "Reshape");
    b.constant(
        (n, in, o) -> {
          long[] d = in.get(0).dims();
          int axis = Shapes.flattenAxis(n, n.attrLong("axis", 1), d.length);
          return in.get(0)
              .reshape(new long[] {Shapes.product(d, 0, axis), Shapes.product(d, axis, d.length)});
        },
        "Flatten");
    b.constant((n, in, o) -> transpose(n, in.get(0), n.attrLongs("perm", null)), "Transpose");
    b.constant(
        (n, in, o) -> in.get(0).reshape(unsqueezeDims(n, in.get(0).dims(), axesOf(n, in))),
        "Unsqueeze");
    b.constant(
        (n, in, o) -> in.get(0).reshape(squeezeDims(n, in.get(0).dims(), axesOf(n, in))),
        "Squeeze");
    b.constant((n, in, o) -> concat(n, in), "Concat");
    b.constant((n, in, o) -> gather(n, in.get(0), input(in, 1)), "Gather");
    b.constant((n, in, o) -> slice(n, in.get(0), in, o), "Slice");
    b.constant((n, in, o) -> constantOfShape(n, in.get(0)), "ConstantOfShape");
    b.constant((n, in, o) -> range(in), "Range");
    b.constant((n, in, o) -> expand(n, in.get(0), input(in, 1).toLongArray()), "Expand");
    b.constant(
        (n, in, o) -> in.size() == 2 ? binary(n, in.get(0), input(in, 1)) : null,
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Min",
        "Max",
        "Equal");
    b.constant((n, in, o) -> unaryNeg(in.get(0)), "Neg");
    b.constant((n, in, o) -> where(n, in.get(0), input(in, 1), input(in, 2)), "Where");
  }

  private static TensorValue input(List<TensorValue> inputs, int i) {
    TensorValue t = i < inputs.size() ? inputs.get(i) : null;
    if (t == null) {
      throw new IllegalArgumentException("input " + i + " is missing");
    }
    return t;
  }

  /** Reshape target: input 1 (opset >= 5) or the old {@code shape} attribute. */
  static long[] reshapeTarget(Node node, List<TensorValue> inputs) {
    if (inputs.size() > 1 && inputs.get(1) != null) {
      return inputs.get(1).toLongArray();
    }
    long[] attr = node.attrLongs("shape", null);
    if (attr == null) {
      throw new IllegalArgumentException("Reshape without a shape");
    }
    return attr;
  }

  /** Output dims of Reshape: 0 copies the input dim (unless allowzero=1), one -1 is inferred. */
  public static long[] reshapeDims(Node node, long[] in, long[] target) {
    boolean allowZero = node.attrLong("allowzero", 0) == 1;
    long[] out = target.clone();
    int minusOne = -1;
    long known = 1;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == 0 && !allowZero) {
        if (i >= in.length) {
          throw new ModelException(
              node,
              "shape "
                  + Arrays.toString(target)
                  + " copies dimension "
                  + i
                  + " (0) of a rank-"
                  + in.length
                  + " input");
        }
        out[i] = in[i];
      }
      if (out[i] == -1) {
        if (minusOne >= 0) {
          throw new ModelException(
              node, "shape " + Arrays.toString(target) + " has more than one -1");
        }
        minusOne = i;
      } else if (out[i] < 0) {
        throw new ModelException(
            node, "shape " + Arrays.toString(target) + " has invalid dimension " + out[i]);
      } else {
        known = Math.multiplyExact(known, out[i]);
      }
    }
    long total = Shapes.product(in);
    if (minusOne >= 0) {
      if (known == 0 || total % known != 0) {
        throw new ModelException(
            node,
            "cannot reshape "
                + Shapes.str(in)
                + " ("
                + total
                + " elements) to "
                + Arrays.toString(target));
      }
      out[minusOne] = total / known;
    } else if (known != total) {
      throw new ModelException(
          node,
          "cannot reshape "
              + Shapes.str(in)
              + " ("
              + total
              + " elements) to "
              + Arrays.toString(target)
              + " ("
              + known
              + " elements)");
    }
    return out;
  }

  /** Axes of Squeeze/Unsqueeze: input 1 when present (opset >= 13), else the attribute. */
  static long[] axesOf(Node node, List<TensorValue> inputs) {
    if (inputs.size() > 1 && inputs.get(1) != null) {
      return inputs.get(1).toLongArray();
    }
    return node.attrLongs("axes", null);
  }

  /** Output dims of Unsqueeze: a 1 inserted at each of {@code axes} (of the output rank). */
  public static long[] unsqueezeDims(Node node, long[] in, long[] axes) {
    if (axes == null) {
      throw new ModelException(node, "Unsqueeze without axes");
    }
    int r = in.length + axes.length;
    boolean[] inserted = new boolean[r];
    for (long a : axes) {
      int ax = Shapes.axis(node, a, r, "axis");
      if (inserted[ax]) {
        throw new ModelException(node, "axis " + a + " repeated in " + Arrays.toString(axes));
      }
      inserted[ax] = true;
    }
    long[] out = new long[r];
    int j = 0;
    for (int i = 0; i < r; i++) {
      out[i] = inserted[i] ? 1 : in[j++];
    }
    return out;
  }

  /**
   * Output dims of Squeeze: {@code axes} (each of size 1) removed, or every 1 when axes is
   * null/empty.
   */
  public static long[] squeezeDims(Node node, long[] in, long[] axes) {
    boolean[] drop = new boolean[in.length];
    if (axes == null || axes.length == 0) {
      for (int i = 0; i < in.length; i++) {
        drop[i] = in[i] == 1;
      }
    } else {
      for (long a : axes) {
        int ax = Shapes.axis(node, a, in.length, "axis");
        if (in[ax] != 1) {
          throw new ModelException(
              node, "cannot squeeze axis " + a + " of size " + in[ax] + " in " + Shapes.str(in));
        }
        drop[ax] = true;
      }
    }
    long[] out = new long[in.length];
    int j = 0;
    for (int i = 0; i < in.length; i++) {
      if (!drop[i]) {
        out[j++] = in[i];
      }
    }
    return Arrays.copyOf(out, j);
  }

  /** Transpose permutation (default: reversed axes), validated. */
  public static int[] permutation(Node node, long[] perm, int rank) {
    int[] p = new int[rank];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < rank; i++) {
      long v = perm == null ? rank - 1 - i : perm[i];
      if (perm != null && perm.length != rank || v < 0 || v >= rank || seen[(int) v]) {
        throw new ModelException(
            node, "perm " + Arrays.toString(perm) + " is not a permutation of " + rank + " axes");
      }
      seen[(int) v] = true;
      p[i] = (int) v;
    }
    return p;
  }

  // ---- element gathering: every data-movement op is "output element i comes from source index
  // src[i]"

  private static TensorValue gatherElements(TensorValue t, long[] dims, int[] src) {
    if (t.hasDoublePrecision()) {
      double[] d = t.toDoubleArray();
      double[] out = new double[src.length];
      for (int i = 0; i < src.length; i++) {
        out[i] = d[src[i]];
      }
      return TensorValue.ofDoubles(dims, out);
    }
    if (t.isFloatingPoint()) {
      float[] f = t.toFloatArray();
      float[] out = new float[src.length];
      for (int i = 0; i < src.length; i++) {
        out[i] = f[src[i]];
      }
      return TensorValue.ofFloats(t.dataType(), dims, out);
    }
    long[] l = t.toLongArray();
    long[] out = new long[src.length];
    for (int i = 0; i < src.length; i++) {
      out[i] = l[src[i]];
    }
    return TensorValue.ofLongs(t.dataType(), dims, out);
  }

  /**
   * Results larger than this many elements are not evaluated (16 Mi elements, 64 MiB of floats).
   */
  public static final long MAX_RESULT_ELEMENTS = 1L << 24;

  /** A result too large to evaluate here: not an error of the model. */
  private static final class TooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super(null, null, false, false);
    }
  }

  private static int checkedSize(long[] dims) {
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
      }
    }
    long n;
    try {
      n = Shapes.product(dims);
    } catch (ArithmeticException e) {
      throw new TooLargeException();
    }
    if (n > MAX_RESULT_ELEMENTS) {
      throw new TooLargeException();
    }
    return (int) n;
  }

  private static TensorValue transpose(Node node, TensorValue x, long[] perm) {
    long[] in = x.dims();
    int r = in.length;
    int[] p = permutation(node, perm, r);
    long[] out = new long[r];
    for (int i = 0; i < r; i++) {
      out[i] = in[p[i]];
    }
    long[] inStrides = Shapes.strides(in);
    int n = checkedSize(out);
    int[] src = new int[n];
    long[] idx = new long[r];
    for (int i = 0; i < n; i++) {
      long s = 0;
      for (int k = 0; k < r; k++) {
        s += idx[k] * inStrides[p[k]];
      }
      src[i] = (int) s;
      increment(idx, out);
    }
    return gatherElements(x, out, src);
  }

  private static void increment(long[] idx, long[] dims) {
    for (int k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) {
        return;
      }
      idx[k] = 0;
    }
  }

  private static TensorValue concat(Node node, List<TensorValue> inputs) {
    List<TensorValue> parts = new ArrayList<>();
    for (TensorValue t : inputs) {
      if (t == null) {
        return null;
      }
      parts.add(t);
    }
    long[] first = parts.get(0).dims();
    int axis = Shapes.axis(node, node.attrLong("axis", 0), first.length, "axis");
    long[] out = first.clone();
    out[axis] = 0;
    for (TensorValue t : parts) {
      long[] d = t.dims();
      if (d.length != first.length) {
        throw new ModelException(node, "inputs of rank " + first.length + " and " + d.length);
      }
      out[axis] += d[axis];
    }
    boolean floating = parts.get(0).isFloatingPoint();
    int n = checkedSize(out);
    long outer = Shapes.product(out, 0, axis);
    long inner = Shapes.product(out, axis + 1, out.length);
    float[] f = floating ? new float[n] : null;
    long[] l = floating ? null : new long[n];
    int pos = 0;
    for (long o = 0; o < outer; o++) {
      for (TensorValue t : parts) {
        int chunk = (int) (t.dims()[axis] * inner);
        int base = (int) (o * chunk);
        for (int k = 0; k < chunk; k++) {
          if (floating) {
            f[pos++] = t.floatAt(base + k);
          } else {
            l[pos++] = t.longAt(base + k);
          }
        }
      }
    }
    return floating
        ? TensorValue.ofFloats(parts.get(0).dataType(), out, f)
        : TensorValue.ofLongs(parts.get(0).dataType(), out, l);
  }

  private static TensorValue gather(Node node, TensorValue x, TensorValue indices) {
    long[] d = x.dims();
    int axis = Shapes.axis(node, node.attrLong("axis", 0), d.length, "axis");
    long[] id = indices.dims();
    long[] out = new long[d.length - 1 + id.length];
    System.arraycopy(d, 0, out, 0, axis);
    System.arraycopy(id, 0, out, axis, id.length);
    System.arraycopy(d, axis + 1, out, axis + id.length, d.length - axis - 1);
    long outer = Shapes.product(d, 0, axis);
    long inner = Shapes.product(d, axis + 1, d.length);
    long[] idx = indices.toLongArray();
    int[] src = new int[checkedSize(out)];
    int pos = 0;
    for (long o = 0; o < outer; o++) {
      for (long i : idx) {
        long j = i < 0 ? i + d[axis] : i;
        if (j < 0 || j >= d[axis]) {
          throw new ModelException(
              node, "index " + i + " out of range for axis of size " + d[axis]);
        }
        for (long k = 0; k < inner; k++) {
          src[pos++] = (int) ((o * d[axis] + j) * inner + k);
        }
      }
    }
    return gatherElements(x, out, src);
  }

  /** Resolved Slice parameters per axis: start, step, count. */
  /**
   * A Slice resolved against input dims: per axis the first index (clamped as the ONNX spec says),
   * the step (1 on axes not sliced) and the output size; element j of axis a is {@code starts[a] +
   * j steps[a]}.
   */
  public record SliceSpec(long[] starts, long[] steps, long[] outDims) {}

  /** Resolves Slice's starts/ends/axes/steps against input dims {@code d}. */
  public static SliceSpec sliceSpec(
      Node node, long[] d, long[] starts, long[] ends, long[] axes, long[] steps) {
    int r = d.length;
    long[] st = new long[r];
    long[] sp = new long[r];
    long[] out = d.clone();
    Arrays.fill(sp, 1);
    if (starts.length != ends.length) {
      throw new ModelException(
          node,
          "starts "
              + Arrays.toString(starts)
              + " and ends "
              + Arrays.toString(ends)
              + " differ in length");
    }
    for (int i = 0; i < starts.length; i++) {
      int ax = axes == null ? i : Shapes.axis(node, axes[i], r, "axis");
      long step = steps == null ? 1 : steps[i];
      if (step == 0) {
        throw new ModelException(node, "slice step 0 on axis " + ax);
      }
      long dim = d[ax];
      long s = starts[i] < 0 ? starts[i] + dim : starts[i];
      long e = ends[i] < 0 ? ends[i] + dim : ends[i];
      long count;
      if (step > 0) {
        s = Math.max(0, Math.min(s, dim));
        e = Math.max(0, Math.min(e, dim));
        count = e > s ? (e - s + step - 1) / step : 0;
      } else {
        s = Math.max(-1, Math.min(s, dim - 1));
        e = Math.max(-1, Math.min(e, dim - 1));
        count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
      }
      st[ax] = s;
      sp[ax] = step;
      out[ax] = count;
    }
    return new SliceSpec(st, sp, out);
  }

  /** Slice parameters from inputs (opset >= 10) or attributes (older). */
  static SliceSpec sliceSpec(Node node, long[] d, List<TensorValue> inputs, long opset) {
    if (opset >= 10 || inputs.size() > 1) {
      TensorValue s = input(inputs, 1);
      TensorValue e = input(inputs, 2);
      TensorValue a = inputs.size() > 3 ? inputs.get(3) : null;
      TensorValue p = inputs.size() > 4 ? inputs.get(4) : null;
      return sliceSpec(
          node,
          d,
          s.toLongArray(),
          e.toLongArray(),
          a == null ? null : a.toLongArray(),
          p == null ? null : p.toLongArray());
    }
    return sliceSpec(
        node,
        d,
        node.attrLongs("starts", new long[0]),
        node.attrLongs("ends", new long[0]),
        node.attrLongs("axes", null),
        null);
  }

  private static TensorValue slice(Node node, TensorValue x, List<TensorValue> inputs, long opset) {
    long[] d = x.dims();
    SliceSpec spec = sliceSpec(node, d, inputs, opset);
    long[] out = spec.outDims();
    long[] inStrides = Shapes.strides(d);
    int n = checkedSize(out);
    int[] src = new int[n];
    long[] idx = new long[d.length];
    for (int i = 0; i < n; i++) {
      long s = 0;
      for (int k = 0; k < d.length; k++) {
        s += (spec.starts()[k] + idx[k] * spec.steps()[k]) * inStrides[k];
      }
      src[i] = (int) s;
      increment(idx, out);
    }
    return gatherElements(x, out, src);
  }

  private static TensorValue constantOfShape(Node node, TensorValue shape) {
    long[] dims = shape.toLongArray();
    int n = checkedSize(dims);
    Attribute v = node.attributes().get("value");
    TensorValue fill = v == null ? TensorValue.scalar(0f) : v.asTensor();
    if (fill.isFloatingPoint()) {
      float[] f = new float[n];
      Arrays.fill(f, fill.floatAt(0));
      return TensorValue.ofFloats(fill.dataType(), dims, f);
    }
    long[] l = new long[n];
    Arrays.fill(l, fill.longAt(0));
    return TensorValue.ofLongs(fill.dataType(), dims, l);
  }

  private static TensorValue range(List<TensorValue> inputs) {
    TensorValue start = input(inputs, 0);
    TensorValue limit = input(inputs, 1);
    TensorValue delta = input(inputs, 2);
    if (start.isFloatingPoint()) {
      float s = start.floatAt(0);
      float dl = delta.floatAt(0);
      int n = (int) Math.max(Math.ceil((limit.floatAt(0) - s) / dl), 0);
      float[] f = new float[n];
      for (int i = 0; i < n; i++) {
        f[i] = s + i * dl;
      }
      return TensorValue.ofFloats(start.dataType(), new long[] {n}, f);
    }
    long s = start.longAt(0);
    long dl = delta.longAt(0);
    if (dl == 0) {
      throw new IllegalArgumentException("Range delta 0");
    }
    long n = Math.max((long) Math.ceil((double) (limit.longAt(0) - s) / dl), 0);
    long[] l = new long[checkedSize(new long[] {n})];
    for (int i = 0; i < l.length; i++) {
      l[i] = s + i * dl;
    }
    return TensorValue.ofLongs(start.dataType(), new long[] {n}, l);
  }

  private static TensorValue expand(Node node, TensorValue x, long[] shape) {
    long[] out = Shapes.broadcast(node, x.dims(), shape);
    return gatherElements(x, out, broadcastIndex(x.dims(), out));
  }

  /** For each element of {@code out}, the index of the broadcast source of shape {@code in}. */
  private static int[] broadcastIndex(long[] in, long[] out) {
    int n = checkedSize(out);
    int off = out.length - in.length;
    long[] inStrides = Shapes.strides(in);
    int[] src = new int[n];
    long[] idx = new long[out.length];
    for (int i = 0; i < n; i++) {
      long s = 0;
      for (int k = 0; k < in.length; k++) {
        if (in[k] != 1) {
          s += idx[k + off] * inStrides[k];
        }
      }
      src[i] = (int) s;
      increment(idx, out);
    }
    return src;
  }

  private static TensorValue binary(Node node, TensorValue a, TensorValue b) {
    long[] out = Shapes.broadcast(node, a.dims(), b.dims());
    int[] ia = broadcastIndex(a.dims(), out);
    int[] ib = broadcastIndex(b.dims(), out);
    String op = node.opType();
    if (op.equals("Equal")) {
      long[] r = new long[ia.length];
      for (int i = 0; i < r.length; i++) {
        r[i] =
            a.isFloatingPoint() || b.isFloatingPoint()
                ? (a.floatAt(ia[i]) == b.floatAt(ib[i]) ? 1 : 0)
                : (a.longAt(ia[i]) == b.longAt(ib[i]) ? 1 : 0);
      }
      return TensorValue.ofLongs(DataType.BOOL, out, r);
    }
    if (a.isFloatingPoint()) {
      float[] r = new float[ia.length];
      for (int i = 0; i < r.length; i++) {
        float x = a.floatAt(ia[i]);
        float y = b.floatAt(ib[i]);
        r[i] =
            switch (op) {
              case "Add" -> x + y;
              case "Sub" -> x - y;
              case "Mul" -> x * y;
              case "Div" -> x / y;
              case "Min" -> Math.min(x, y);
              default -> Math.max(x, y);
            };
      }
      return TensorValue.ofFloats(a.dataType(), out, r);
    }
    long[] r = new long[ia.length];
    for (int i = 0; i < r.length; i++) {
      long x = a.longAt(ia[i]);
      long y = b.longAt(ib[i]);
      r[i] =
          switch (op) {
            case "Add" -> x + y;
            case "Sub" -> x - y;
            case "Mul" -> x * y;
            case "Div" -> {
              if (y == 0) {
                throw new ModelException(node, "integer division by zero");
              }
              yield x / y;
            }
            case "Min" -> Math.min(x, y);
            default -> Math.max(x, y);
          };
    }
    return TensorValue.ofLongs(a.dataType(), out, r);
  }

  private static TensorValue unaryNeg(TensorValue x) {
    if (x.isFloatingPoint()) {
      float[] f = x.toFloatArray();
      for (int i = 0; i < f.length; i++) {
        f[i] = -f[i];
      }
      return TensorValue.ofFloats(x.dataType(), x.dims(), f);
    }
    long[] l = x.toLongArray();
    for (int i = 0; i < l.length; i++) {
      l[i] = -l[i];
    }
    return TensorValue.ofLongs(x.dataType(), x.dims(), l);
  }

  private static TensorValue where(Node node, TensorValue c, TensorValue a, TensorValue b) {
    long[] out = Shapes.broadcast(node, Shapes.broadcast(node, c.dims(), a.dims()), b.dims());
    int[] ic = broadcastIndex(c.dims(), out);
    int[] ia = broadcastIndex(a.dims(), out);
    int[] ib = broadcastIndex(b.dims(), out);
    if (a.isFloatingPoint()) {
      float[] r = new float[ic.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = c.longAt(ic[i]) != 0 ? a.floatAt(ia[i]) : b.floatAt(ib[i]);
      }
      return TensorValue.ofFloats(a.dataType(), out, r);
    }
    long[] r = new long[ic.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = c.longAt(ic[i]) != 0 ? a.longAt(ia[i]) : b.longAt(ib[i]);
    }
    return TensorValue.ofLongs(a.dataType(), out, r);
  }

  /** Converts to another element type (float types hold floats, integral types longs). */
  static TensorValue cast(TensorValue x, DataType to) {
    if (to == x.dataType()) {
      return x;
    }
    if (to.isFloatingPoint()) {
      float[] f = x.toFloatArray();
      if (to == DataType.FLOAT16 || to == DataType.BFLOAT16) {
        return null; // would need rounding to 16 bits: left unevaluated
      }
      return TensorValue.ofFloats(to, x.dims(), f);
    }
    if (to.isIntegral()) {
      long[] l = x.toLongArray();
      if (to == DataType.BOOL) {
        for (int i = 0; i < l.length; i++) {
          l[i] = (x.isFloatingPoint() ? x.floatAt(i) != 0 : l[i] != 0) ? 1 : 0;
        }
      } else if (to != DataType.INT64 && to != DataType.UINT64) {
        int bits = to.byteSize() * 8;
        boolean unsigned = to == DataType.UINT8 || to == DataType.UINT16 || to == DataType.UINT32;
        for (int i = 0; i < l.length; i++) {
          long v = l[i] << (64 - bits);
          l[i] = unsigned ? v >>> (64 - bits) : v >> (64 - bits);
        }
      }
      return TensorValue.ofLongs(to, x.dims(), l);
    }
    return null;
  }
}
