package org.lowrank.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.GraphValidator;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.graph.ValueInfo;
import org.lowrank.ops.ConvAttributes;
import org.lowrank.ops.Window;

/**
 * Static shape inference for the CNN op set, given the model's input shapes: every value of the
 * graph gets a fully known shape. Small integer tensors (shape computations such as {@code Shape ->
 * Gather -> Unsqueeze -> Concat -> Reshape} or the pads of an exported shortcut) are evaluated along
 * the way with {@link ConstantOps}, so data-dependent-looking shape inputs resolve to constants.
 *
 * <p>Input shapes: a symbolic leading (batch) dimension becomes 1; any other symbolic dimension needs
 * an explicit override. Ops without a shape rule fall back to a fully known shape declared in the
 * model's value infos, else fail with an {@link UnsupportedModelException} naming the node and op.
 *
 * <p>Conventions follow the ONNX operator specs: Conv/pool output size {@code floor((in + p_b + p_e
 * - ((k-1)*d+1)) / s) + 1} (ceil with {@code ceil_mode}), {@code ceil(in/s)} for SAME auto_pad.
 */
public final class ShapeInference {

  /** Constant tensors up to this many elements are propagated as values. */
  static final long MAX_VALUE_ELEMENTS = 1 << 20;

  private static final Set<String> SAME_SHAPE =
      Set.of(
          "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Selu", "Celu",
          "Gelu", "Softplus", "Softsign", "Clip", "Identity", "Neg", "Abs", "Exp", "Log", "Sqrt",
          "Reciprocal", "Floor", "Ceil", "Round", "Erf", "Sign", "Not", "Cast", "CastLike", "LRN",
          "InstanceNormalization", "Softmax", "LogSoftmax", "Hardmax", "Mish", "ThresholdedRelu",
          "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "IsNaN", "IsInf", "Shrink",
          "Trilu", "CumSum", "QuantizeLinear", "DequantizeLinear", "MeanVarianceNormalization",
          "Swish", "BitwiseNot", "PRelu");

  private static final Set<String> BROADCAST =
      Set.of(
          "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Less",
          "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Where", "Mod", "BitShift",
          "BitwiseAnd", "BitwiseOr", "BitwiseXor");

  private static final Set<String> BOOL_OUT =
      Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "IsInf");

  private static final Set<String> REDUCE =
      Set.of(
          "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
          "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");

  private static final Set<String> OTHER_RULES =
      Set.of(
          "Constant", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool",
          "GlobalMaxPool", "GlobalLpPool", "Gemm", "MatMul", "BatchNormalization", "LayerNormalization",
          "Dropout", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Slice", "Pad",
          "Shape", "Size", "Gather", "GatherElements", "ConstantOfShape", "Expand", "Tile", "Range", "Split",
          "ArgMax", "ArgMin", "TopK", "Resize", "Upsample", "DepthToSpace", "SpaceToDepth", "Einsum",
          "ScatterND", "ScatterElements");

  /**
   * True when the default-domain op has a shape rule here (other ops need shapes declared in the
   * model's value infos).
   */
  public static boolean supports(String opType) {
    return SAME_SHAPE.contains(opType) || BROADCAST.contains(opType) || REDUCE.contains(opType)
        || OTHER_RULES.contains(opType);
  }

  private static final Map<String, Integer> MIN_INPUTS =
      Map.ofEntries(
          Map.entry("Conv", 2), Map.entry("ConvTranspose", 2), Map.entry("Gemm", 2), Map.entry("MatMul", 2),
          Map.entry("Gather", 2), Map.entry("GatherElements", 2), Map.entry("Expand", 2), Map.entry("Tile", 2),
          Map.entry("ConstantOfShape", 1), Map.entry("Range", 3), Map.entry("BatchNormalization", 1),
          Map.entry("MaxPool", 1), Map.entry("AveragePool", 1), Map.entry("Reshape", 1), Map.entry("Slice", 1),
          Map.entry("Pad", 1), Map.entry("Concat", 1), Map.entry("Flatten", 1), Map.entry("Transpose", 1),
          Map.entry("Squeeze", 1), Map.entry("Unsqueeze", 1), Map.entry("Shape", 1), Map.entry("Split", 1));

  private final Graph graph;
  private final long opset;
  private final Map<String, long[]> shapes = new LinkedHashMap<>();
  private final Map<String, DataType> types = new HashMap<>();
  private final Map<String, TensorValue> values = new HashMap<>();
  private final Map<String, long[]> declared = new HashMap<>();

  private ShapeInference(Graph graph, long opset) {
    this.graph = graph;
    this.opset = opset < 0 ? 21 : opset;
  }

  /** Infers shapes from the model's declared input shapes (symbolic batch -> 1). */
  public static InferredShapes infer(Model model) {
    return infer(model, Map.of());
  }

  /**
   * Infers shapes with the shape of the model's single runtime input overridden.
   *
   * @throws ModelException when the model has several runtime inputs
   */
  public static InferredShapes infer(Model model, long[] inputShape) {
    List<ValueInfo> ins = model.graph().runtimeInputs();
    if (ins.size() != 1) {
      throw new ModelException(
          "the model has " + ins.size() + " inputs " + names(ins) + "; give a shape per input name");
    }
    return infer(model, Map.of(ins.get(0).name(), inputShape));
  }

  /** Infers shapes with the given input shapes overriding the declared ones (by input name). */
  public static InferredShapes infer(Model model, Map<String, long[]> inputShapes) {
    Model sorted = GraphValidator.validateAndSort(model);
    ShapeInference s = new ShapeInference(sorted.graph(), sorted.opset());
    s.seed(inputShapes);
    for (Node n : sorted.graph().nodes()) {
      try {
        s.visit(n);
      } catch (ModelException e) {
        throw e;
      } catch (ArithmeticException e) {
        throw new ModelException(n, "dimension arithmetic overflows; bogus dimensions?", e);
      } catch (RuntimeException e) {
        throw new ModelException(n, "malformed node (" + e + ")", e);
      }
    }
    return new InferredShapes(s.shapes, s.types, s.values);
  }

  /**
   * The model with a value info (element type and inferred shape) for every node output that is not
   * a graph output, replacing the value infos it had; graph inputs and outputs are left as declared.
   * Handy for viewers and for cutting sub-graphs out of the model.
   */
  public static Model annotate(Model model, InferredShapes shapes) {
    Graph g = model.graph();
    java.util.Set<String> outputs = new java.util.HashSet<>();
    g.outputs().forEach(v -> outputs.add(v.name()));
    List<ValueInfo> infos = new ArrayList<>();
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        if (!o.isEmpty() && !outputs.contains(o) && shapes.shape(o).isPresent()) {
          infos.add(ValueInfo.of(o, shapes.type(o).orElse(DataType.UNDEFINED), shapes.require(o)));
        }
      }
    }
    return model.withGraph(g.toBuilder().valueInfos(infos).build());
  }

  private static List<String> names(List<ValueInfo> vs) {
    List<String> out = new ArrayList<>();
    vs.forEach(v -> out.add(v.name()));
    return out;
  }

  private void seed(Map<String, long[]> overrides) {
    for (ValueInfo v : graph.valueInfos()) {
      if (v.isFullyKnown()) {
        declared.put(v.name(), v.dims());
      }
    }
    for (ValueInfo v : graph.outputs()) {
      if (v.isFullyKnown()) {
        declared.put(v.name(), v.dims());
      }
    }
    for (Map.Entry<String, TensorValue> e : graph.initializers().entrySet()) {
      shapes.put(e.getKey(), e.getValue().dims());
      types.put(e.getKey(), e.getValue().dataType());
      if (e.getValue().elementCount() <= MAX_VALUE_ELEMENTS) {
        values.put(e.getKey(), e.getValue());
      }
    }
    InputShapes inputs = InputShapes.resolve("", graph.runtimeInputs(), overrides);
    for (ValueInfo v : graph.runtimeInputs()) {
      shapes.put(v.name(), inputs.shapes().get(v.name()));
      types.put(v.name(), v.elementType());
    }
  }

  private void visit(Node n) {
    List<long[]> in = new ArrayList<>();
    for (String name : n.inputs()) {
      if (name.isEmpty()) {
        in.add(null);
        continue;
      }
      long[] s = shapes.get(name);
      if (s == null) {
        throw new ModelException(n, "the shape of input '" + name + "' is unknown");
      }
      in.add(s);
    }
    Integer min = MIN_INPUTS.get(n.opType());
    if (min != null && (n.inputs().size() < min || n.input(0).isEmpty())) {
      throw new ModelException(n, "expects at least " + min + " inputs, found " + n.inputs());
    }
    if (n.outputs().isEmpty()) {
      throw new ModelException(n, "has no outputs");
    }
    long[][] out;
    boolean standard = n.domain().isEmpty() || n.domain().equals("ai.onnx");
    try {
      out = standard && supports(n.opType()) ? infer(n, in) : null;
    } catch (ArithmeticException e) {
      throw new ModelException(n, "dimension arithmetic overflows (" + e.getMessage() + "); bogus dimensions?", e);
    }
    if (out == null) {
      out = fromDeclared(n);
    }
    for (int i = 0; i < n.outputs().size() && i < out.length; i++) {
      String o = n.output(i);
      if (o.isEmpty() || out[i] == null) {
        continue;
      }
      for (long d : out[i]) {
        if (d < 0) {
          throw new ModelException(n, "output '" + o + "' would have shape " + Arrays.toString(out[i])
              + " (negative size): inputs " + describe(in) + " do not fit the attributes");
        }
      }
      shapes.put(o, out[i]);
      types.put(o, outputType(n, i));
    }
    propagateValue(n, in);
  }

  private long[][] fromDeclared(Node n) {
    long[][] out = new long[n.outputs().size()][];
    for (int i = 0; i < out.length; i++) {
      long[] d = declared.get(n.output(i));
      if (d == null && !n.output(i).isEmpty()) {
        throw new UnsupportedModelException(
            n, "no shape inference for op " + (n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType()
                + " and the model declares no shape for its output '" + n.output(i) + "'; lowrank"
                + " supports the CNN op set (Conv, Gemm, MatMul, pooling, Reshape, Concat, Slice, Pad,"
                + " elementwise, normalization, ...)");
      }
      out[i] = d;
    }
    return out;
  }

  private static String describe(List<long[]> in) {
    List<String> s = new ArrayList<>();
    in.forEach(d -> s.add(Shapes.str(d)));
    return s.toString();
  }

  private DataType outputType(Node n, int i) {
    String op = n.opType();
    DataType first = n.inputs().isEmpty() ? DataType.FLOAT : types.getOrDefault(n.input(0), DataType.UNDEFINED);
    if (BOOL_OUT.contains(op)) {
      return DataType.BOOL;
    }
    return switch (op) {
      case "Shape", "Size", "ArgMax", "ArgMin", "NonZero" -> DataType.INT64;
      case "Cast" -> dataType(n.attrLong("to", 1));
      case "CastLike" -> types.getOrDefault(n.input(1), first);
      case "Where" -> types.getOrDefault(n.input(1), first);
      case "DequantizeLinear" -> DataType.FLOAT;
      case "Constant" -> ConstantOps.constantValue(n).dataType();
      case "ConstantOfShape" -> n.hasAttribute("value") ? n.attributes().get("value").asTensor().dataType() : DataType.FLOAT;
      case "MaxPool", "TopK" -> i == 1 ? DataType.INT64 : first;
      case "Dropout" -> i == 1 ? DataType.BOOL : first;
      default -> first;
    };
  }

  private static DataType dataType(long code) {
    try {
      return DataType.fromOnnx((int) code);
    } catch (IllegalArgumentException e) {
      return DataType.UNDEFINED;
    }
  }

  private void propagateValue(Node n, List<long[]> in) {
    if (n.outputs().isEmpty() || n.output(0).isEmpty()) {
      return;
    }
    String op = n.opType();
    if (op.equals("Shape")) {
      long[] d = in.get(0);
      long[] range = shapeRange(n, d.length);
      values.put(n.output(0), TensorValue.ofLongs(new long[] {range[1] - range[0]}, Arrays.copyOfRange(d, (int) range[0], (int) range[1])));
      return;
    }
    if (op.equals("Size")) {
      values.put(n.output(0), TensorValue.ofLongs(new long[0], new long[] {Shapes.product(in.get(0))}));
      return;
    }
    if (!ConstantOps.SUPPORTED.contains(op) || !(n.domain().isEmpty() || n.domain().equals("ai.onnx"))) {
      return;
    }
    long[] outShape = shapes.get(n.output(0));
    if (outShape == null || Shapes.product(outShape) > MAX_VALUE_ELEMENTS) {
      return;
    }
    List<TensorValue> vs = new ArrayList<>();
    for (String name : n.inputs()) {
      if (name.isEmpty()) {
        vs.add(null);
        continue;
      }
      TensorValue v = values.get(name);
      if (v == null) {
        return;
      }
      vs.add(v);
    }
    Optional<TensorValue> v = op.equals("Constant") ? Optional.of(ConstantOps.constantValue(n)) : ConstantOps.evaluate(n, vs, opset);
    v.ifPresent(t -> values.put(n.output(0), t));
  }

  /** [start, end) of the Shape op's slice (opset 15 start/end attributes). */
  private static long[] shapeRange(Node n, int rank) {
    long s = n.attrLong("start", 0);
    long e = n.attrLong("end", rank);
    s = s < 0 ? s + rank : s;
    e = e < 0 ? e + rank : e;
    s = Math.max(0, Math.min(s, rank));
    e = Math.max(s, Math.min(e, rank));
    return new long[] {s, e};
  }

  /** A constant input's value, or an unsupported-model error naming the node. */
  private TensorValue valueOf(Node n, int i, String role) {
    String name = n.input(i);
    TensorValue v = values.get(name);
    if (v == null) {
      throw new UnsupportedModelException(
          n, "its " + role + " input '" + name + "' is computed at run time; lowrank needs it to be"
              + " constant (static shapes)");
    }
    return v;
  }

  private TensorValue optionalValue(Node n, int i, String role) {
    return n.input(i).isEmpty() ? null : valueOf(n, i, role);
  }

  private List<TensorValue> inputValues(Node n) {
    List<TensorValue> vs = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      vs.add(i == 0 || n.input(i).isEmpty() ? null : valueOf(n, i, "parameter #" + i));
    }
    return vs;
  }

  /** Output shapes of a default-domain node, or null when the op has no rule here. */
  private long[][] infer(Node n, List<long[]> in) {
    String op = n.opType();
    long[] x = in.isEmpty() ? null : in.get(0);
    if (SAME_SHAPE.contains(op)) {
      return one(x);
    }
    if (BROADCAST.contains(op)) {
      long[] out = x;
      for (int i = 1; i < in.size(); i++) {
        if (in.get(i) != null) {
          out = Shapes.broadcast(n, out, in.get(i));
        }
      }
      return one(out);
    }
    if (REDUCE.contains(op)) {
      return one(reduce(n, x));
    }
    return switch (op) {
      case "Constant" -> one(ConstantOps.constantValue(n).dims());
      case "Conv" -> one(conv(n, x, in.get(1)));
      case "ConvTranspose" -> one(convTranspose(n, x, in.get(1)));
      case "MaxPool", "AveragePool", "LpPool" -> {
        long[] y = pool(n, x);
        yield n.outputs().size() > 1 ? new long[][] {y, y} : one(y);
      }
      case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool" -> {
        requireRank(n, x, 3, "input");
        long[] y = x.clone();
        Arrays.fill(y, 2, y.length, 1);
        yield one(y);
      }
      case "Gemm" -> one(gemm(n, x, in.get(1)));
      case "MatMul" -> one(matmul(n, x, in.get(1)));
      case "BatchNormalization" -> {
        long[][] out = new long[n.outputs().size()][];
        out[0] = x;
        for (int i = 1; i < out.length; i++) {
          out[i] = new long[] {x[1]};
        }
        yield out;
      }
      case "LayerNormalization" -> {
        long[][] out = new long[n.outputs().size()][];
        out[0] = x;
        int axis = Shapes.axis(n, n.attrLong("axis", -1), x.length, "axis");
        long[] stat = x.clone();
        Arrays.fill(stat, axis, stat.length, 1);
        for (int i = 1; i < out.length; i++) {
          out[i] = stat;
        }
        yield out;
      }
      case "Dropout" -> n.outputs().size() > 1 ? new long[][] {x, x} : one(x);
      case "Flatten" -> {
        int axis = Shapes.flattenAxis(n, n.attrLong("axis", 1), x.length);
        yield one(new long[] {Shapes.product(x, 0, axis), Shapes.product(x, axis, x.length)});
      }
      case "Reshape" -> {
        long[] target = n.inputs().size() > 1 ? valueOf(n, 1, "shape").toLongArray() : n.attrLongs("shape", null);
        if (target == null) {
          throw new ModelException(n, "Reshape has neither a shape input nor a shape attribute");
        }
        yield one(ConstantOps.reshapeDims(n, x, target));
      }
      case "Transpose" -> {
        int[] p = ConstantOps.permutation(n, n.attrLongs("perm", null), x.length);
        long[] y = new long[x.length];
        for (int i = 0; i < y.length; i++) {
          y[i] = x[p[i]];
        }
        yield one(y);
      }
      case "Squeeze" -> one(ConstantOps.squeezeDims(n, x, axes(n)));
      case "Unsqueeze" -> one(ConstantOps.unsqueezeDims(n, x, axes(n)));
      case "Concat" -> one(concat(n, in));
      case "Slice" -> one(ConstantOps.sliceSpec(n, x, inputValues(n), opset).outDims());
      case "Pad" -> one(pad(n, x));
      case "Shape" -> {
        long[] r = shapeRange(n, x.length);
        yield one(new long[] {r[1] - r[0]});
      }
      case "Size" -> one(new long[0]);
      case "Gather" -> {
        int axis = Shapes.axis(n, n.attrLong("axis", 0), x.length, "axis");
        long[] idx = in.get(1);
        long[] y = new long[x.length - 1 + idx.length];
        System.arraycopy(x, 0, y, 0, axis);
        System.arraycopy(idx, 0, y, axis, idx.length);
        System.arraycopy(x, axis + 1, y, axis + idx.length, x.length - axis - 1);
        yield one(y);
      }
      case "GatherElements" -> one(in.get(1));
      case "ConstantOfShape" -> one(checkedDims(n, valueOf(n, 0, "shape").toLongArray()));
      case "Expand" -> one(Shapes.broadcast(n, x, valueOf(n, 1, "shape").toLongArray()));
      case "Tile" -> {
        long[] reps = valueOf(n, 1, "repeats").toLongArray();
        if (reps.length != x.length) {
          throw new ModelException(n, "repeats " + Arrays.toString(reps) + " do not match rank " + x.length);
        }
        long[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
          y[i] = Math.multiplyExact(y[i], reps[i]);
        }
        yield one(y);
      }
      case "Range" -> {
        TensorValue v = ConstantOps.evaluate(n, List.of(valueOf(n, 0, "start"), valueOf(n, 1, "limit"), valueOf(n, 2, "delta")), opset).orElseThrow();
        yield one(v.dims());
      }
      case "Split" -> split(n, x);
      case "ArgMax", "ArgMin" -> {
        int axis = Shapes.axis(n, n.attrLong("axis", 0), x.length, "axis");
        yield one(dropAxes(x, new boolean[] {}, axis, n.attrLong("keepdims", 1) == 1));
      }
      case "TopK" -> {
        int axis = Shapes.axis(n, n.attrLong("axis", -1), x.length, "axis");
        long k = n.inputs().size() > 1 ? valueOf(n, 1, "K").longAt(0) : n.attrLong("k", 1);
        long[] y = x.clone();
        y[axis] = k;
        yield new long[][] {y, y};
      }
      case "Resize", "Upsample" -> one(resize(n, x));
      case "DepthToSpace", "SpaceToDepth" -> one(depthSpace(n, x));
      case "ScatterND", "ScatterElements" -> one(x);
      case "Einsum" -> one(einsum(n, in));
      default -> null;
    };
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
      throw new ModelException(n, what + " has shape " + Shapes.str(s) + ", expected rank >= " + minRank);
    }
  }

  private long[] axes(Node n) {
    if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
      return valueOf(n, 1, "axes").toLongArray();
    }
    return n.attrLongs("axes", null);
  }

  private long[] reduce(Node n, long[] x) {
    long[] axes = axes(n);
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

  static long[] conv(Node n, long[] x, long[] w) {
    requireRank(n, x, 3, "input");
    if (w == null || w.length != x.length) {
      throw new ModelException(n, "weight shape " + Shapes.str(w) + " does not match input shape " + Shapes.str(x)
          + " (expected W [C_out, C_in/group, k...] of the same rank as X)");
    }
    ConvAttributes a = ConvAttributes.of(n);
    long group = a.group();
    if (group <= 0 || x[1] % group != 0 || w[0] % group != 0 || x[1] / group != w[1]) {
      throw new ModelException(n, "input has " + x[1] + " channels, weight " + Shapes.str(w) + " with group=" + group
          + " expects " + Math.multiplyExact(w[1], Math.max(group, 1)) + " (and C_out divisible by group)");
    }
    Window win = a.window(Arrays.copyOfRange(x, 2, x.length), a.kernel(Arrays.copyOfRange(w, 2, w.length)));
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
      throw new ModelException(n, "weight shape " + Shapes.str(w) + " does not match input " + Shapes.str(x)
          + " (expected W [C_in, C_out/group, k...])");
    }
    Window win = a.transposedWindow(Arrays.copyOfRange(x, 2, x.length), a.kernel(Arrays.copyOfRange(w, 2, w.length)));
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
      throw new ModelException(n, "Gemm needs rank-2 A and B, got " + Shapes.str(a) + " and " + Shapes.str(b));
    }
    boolean ta = n.attrLong("transA", 0) == 1;
    boolean tb = n.attrLong("transB", 0) == 1;
    long m = ta ? a[1] : a[0];
    long k = ta ? a[0] : a[1];
    long kb = tb ? b[1] : b[0];
    long nn = tb ? b[0] : b[1];
    if (k != kb) {
      throw new ModelException(n, "A " + Shapes.str(a) + (ta ? "^T" : "") + " and B " + Shapes.str(b) + (tb ? "^T" : "")
          + " have inner dimensions " + k + " and " + kb);
    }
    return new long[] {m, nn};
  }

  static long[] matmul(Node n, long[] a, long[] b) {
    if (a.length == 0 || b == null || b.length == 0) {
      throw new ModelException(n, "MatMul of scalars " + Shapes.str(a) + " x " + Shapes.str(b));
    }
    long[] aa = a.length == 1 ? new long[] {1, a[0]} : a;
    long[] bb = b.length == 1 ? new long[] {b[0], 1} : b;
    if (aa[aa.length - 1] != bb[bb.length - 2]) {
      throw new ModelException(n, "cannot multiply " + Shapes.str(a) + " by " + Shapes.str(b)
          + ": inner dimensions " + aa[aa.length - 1] + " and " + bb[bb.length - 2]);
    }
    long[] batch = Shapes.broadcast(n, Arrays.copyOf(aa, aa.length - 2), Arrays.copyOf(bb, bb.length - 2));
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
        throw new ModelException(n, "cannot concatenate " + Shapes.str(first) + " and " + Shapes.str(s));
      }
      for (int i = 0; i < s.length; i++) {
        if (i != axis && s[i] != first[i]) {
          throw new ModelException(n, "cannot concatenate " + Shapes.str(first) + " and " + Shapes.str(s)
              + " on axis " + axis + ": axis " + i + " differs");
        }
      }
      y[axis] = Math.addExact(y[axis], s[axis]);
    }
    return y;
  }

  private long[] pad(Node n, long[] x) {
    long[] pads;
    long[] axes = null;
    if (opset < 11 || n.inputs().size() < 2 || n.input(1).isEmpty()) {
      pads = n.hasAttribute("pads") ? n.attrLongs("pads", null) : n.attrLongs("paddings", null);
    } else {
      pads = valueOf(n, 1, "pads").toLongArray();
      if (n.inputs().size() > 3 && !n.input(3).isEmpty()) {
        axes = valueOf(n, 3, "axes").toLongArray();
      }
    }
    if (pads == null) {
      throw new ModelException(n, "Pad without pads");
    }
    int k = axes == null ? x.length : axes.length;
    if (pads.length != 2 * k) {
      throw new ModelException(n, "pads " + Arrays.toString(pads) + " need " + 2 * k + " values for input " + Shapes.str(x));
    }
    long[] y = x.clone();
    for (int i = 0; i < k; i++) {
      int ax = axes == null ? i : Shapes.axis(n, axes[i], x.length, "axis");
      y[ax] = Math.addExact(y[ax], pads[i] + pads[i + k]);
    }
    return y;
  }

  private long[][] split(Node n, long[] x) {
    int axis = Shapes.axis(n, n.attrLong("axis", 0), x.length, "axis");
    int outs = n.outputs().size();
    long[] parts;
    if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
      parts = valueOf(n, 1, "split").toLongArray();
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
      throw new ModelException(n, "split " + Arrays.toString(parts) + " does not divide axis " + axis + " of "
          + Shapes.str(x) + " into " + outs + " outputs");
    }
    long[][] out = new long[outs][];
    for (int i = 0; i < outs; i++) {
      out[i] = x.clone();
      out[i][axis] = parts[i];
    }
    return out;
  }

  private long[] resize(Node n, long[] x) {
    TensorValue sizes = null;
    TensorValue scales = null;
    if (n.opType().equals("Upsample")) {
      scales = n.inputs().size() > 1 ? valueOf(n, 1, "scales") : null;
      if (scales == null && n.hasAttribute("scales")) {
        float[] f = n.attributes().get("scales").asFloats();
        scales = TensorValue.ofFloats(new long[] {f.length}, f);
      }
    } else if (opset < 11) {
      scales = valueOf(n, 1, "scales");
    } else {
      scales = n.inputs().size() > 2 ? optionalValue(n, 2, "scales") : null;
      sizes = n.inputs().size() > 3 ? optionalValue(n, 3, "sizes") : null;
    }
    if (n.hasAttribute("axes")) {
      throw new UnsupportedModelException(n, "Resize with the axes attribute is not supported");
    }
    long[] y = x.clone();
    if (sizes != null && sizes.elementCount() > 0) {
      long[] s = sizes.toLongArray();
      if (s.length != x.length) {
        throw new ModelException(n, "sizes " + Arrays.toString(s) + " do not match input " + Shapes.str(x));
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
   * Einsum output shape: each letter's size from the inputs, "..." broadcast across inputs; implicit
   * output (no "->") = the letters used once, in alphabetical order, after the broadcast "..." dims.
   */
  static long[] einsum(Node n, List<long[]> in) {
    String eq = n.attrString("equation", "").replace(" ", "");
    int arrow = eq.indexOf("->");
    String lhs = arrow >= 0 ? eq.substring(0, arrow) : eq;
    String[] terms = lhs.split(",", -1);
    if (terms.length != in.size()) {
      throw new ModelException(n, "equation '" + eq + "' has " + terms.length + " operands, the node " + in.size());
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
        throw new ModelException(n, "operand " + t + " '" + term + "' does not match shape " + Shapes.str(d));
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
          throw new ModelException(n, "letter '" + c + "' is " + prev + " and " + v + " in equation '" + eq + "'");
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
        throw new ModelException(n, "output letter '" + rhs.charAt(i) + "' of '" + eq + "' is not in any operand");
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
      throw new ModelException(n, "spatial size " + Shapes.str(x) + " not divisible by blocksize " + b);
    }
    return new long[] {x[0], x[1] * b * b, x[2] / b, x[3] / b};
  }
}
