package org.lowrank.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.GraphValidator;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.graph.ValueInfo;
import org.lowrank.ops.ConstantOps;
import org.lowrank.ops.OpRegistry;
import org.lowrank.ops.OpSemantics;
import org.lowrank.ops.ShapeContext;
import org.lowrank.ops.ShapeRules;
import org.lowrank.ops.Shapes;

/**
 * Static shape inference for the CNN op set, given the model's input shapes: every value of the
 * graph gets a fully known shape. The walk is generic: each node's input count, shape rule, output
 * types and constant evaluation are looked up in {@link OpRegistry}. Small integer tensors (shape
 * computations such as {@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape} or the pads of an
 * exported shortcut) are evaluated along the way with {@link ConstantOps}, so
 * data-dependent-looking shape inputs resolve to constants.
 *
 * <p>Input shapes: a symbolic leading (batch) dimension becomes 1; any other symbolic dimension
 * needs an explicit override. Ops without a shape rule fall back to a fully known shape declared in
 * the model's value infos, else fail with an {@link UnsupportedModelException} naming the node and
 * op.
 *
 * <p>Conventions follow the ONNX operator specs (see {@link org.lowrank.ops.ShapeRules} and, for
 * the Conv/pool geometry, {@link org.lowrank.ops.ConvAttributes}).
 */
public final class ShapeInference implements ShapeContext {

  /** Constant tensors up to this many elements are propagated as values. */
  static final long MAX_VALUE_ELEMENTS = 1 << 20;

  /** True when the default-domain op has a shape rule (see {@link OpRegistry}). */
  public static boolean supports(String opType) {
    return OpRegistry.hasShapeRule(opType);
  }

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
          "the model has "
              + ins.size()
              + " inputs "
              + names(ins)
              + "; give a shape per input name");
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
   * a graph output, replacing the value infos it had; graph inputs and outputs are left as
   * declared. Handy for viewers and for cutting sub-graphs out of the model.
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
    OpSemantics op = OpRegistry.lookup(n).orElse(null);
    int min = op == null ? 0 : op.minInputs();
    if (min > 0 && (n.inputs().size() < min || n.input(0).isEmpty())) {
      throw new ModelException(n, "expects at least " + min + " inputs, found " + n.inputs());
    }
    if (n.outputs().isEmpty()) {
      throw new ModelException(n, "has no outputs");
    }
    long[][] out;
    try {
      out = op != null && op.shape() != null ? op.shape().outputShapes(n, in, this) : null;
    } catch (ArithmeticException e) {
      throw new ModelException(
          n, "dimension arithmetic overflows (" + e.getMessage() + "); bogus dimensions?", e);
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
          throw new ModelException(
              n,
              "output '"
                  + o
                  + "' would have shape "
                  + Arrays.toString(out[i])
                  + " (negative size): inputs "
                  + describe(in)
                  + " do not fit the attributes");
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
            n,
            "no shape inference for op "
                + (n.domain().isEmpty() ? "" : n.domain() + ".")
                + n.opType()
                + " and the model declares no shape for its output '"
                + n.output(i)
                + "'; lowrank"
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
    List<DataType> in = new ArrayList<>();
    n.inputs().forEach(name -> in.add(name.isEmpty() ? null : types.get(name)));
    return OpRegistry.typeRule(n.opType()).outputType(n, i, in);
  }

  private void propagateValue(Node n, List<long[]> in) {
    if (n.outputs().isEmpty() || n.output(0).isEmpty()) {
      return;
    }
    String op = n.opType();
    if (op.equals("Shape")) {
      long[] d = in.get(0);
      long[] range = ShapeRules.shapeRange(n, d.length);
      values.put(
          n.output(0),
          TensorValue.ofLongs(
              new long[] {range[1] - range[0]},
              Arrays.copyOfRange(d, (int) range[0], (int) range[1])));
      return;
    }
    if (op.equals("Size")) {
      values.put(
          n.output(0), TensorValue.ofLongs(new long[0], new long[] {Shapes.product(in.get(0))}));
      return;
    }
    if (OpRegistry.lookup(n).map(OpSemantics::constant).isEmpty()) {
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
    Optional<TensorValue> v =
        op.equals("Constant")
            ? Optional.of(ConstantOps.constantValue(n))
            : ConstantOps.evaluate(n, vs, opset);
    v.ifPresent(t -> values.put(n.output(0), t));
  }

  @Override
  public long opset() {
    return opset;
  }

  /** A constant input's value, or an unsupported-model error naming the node. */
  @Override
  public TensorValue value(Node n, int i, String role) {
    String name = n.input(i);
    TensorValue v = values.get(name);
    if (v == null) {
      throw new UnsupportedModelException(
          n,
          "its "
              + role
              + " input '"
              + name
              + "' is computed at run time; lowrank needs it to be"
              + " constant (static shapes)");
    }
    return v;
  }
}
