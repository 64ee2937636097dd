package org.lowrank.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.ops.ConvAttributes;
import org.lowrank.ops.GemmAttributes;
import org.lowrank.ops.Shapes;
import org.lowrank.ops.Window;

/**
 * Stage 2, Analyze: per-layer shapes, parameters and MACs of a model, and which factorization
 * methods apply to each Conv/ConvTranspose/Gemm/MatMul layer with a constant weight (and why a
 * layer is skipped).
 *
 * <p>Totals: {@link #totalParams()} counts every floating-point initializer element after weight
 * folding (weights, biases, normalization parameters), integer shape constants excluded; {@link
 * #totalMacs()} counts the multiply-accumulates of every Conv, ConvTranspose, Gemm and MatMul node
 * per sample (batch 1), whether its weight is constant or not. Element-wise ops, pooling and
 * normalization are not counted.
 *
 * @param inputShapes the input shapes used (batch 1 unless overridden)
 * @param layers the Conv/ConvTranspose/Gemm/MatMul layers, in graph order (MatMul only with a
 *     constant operand)
 * @param totalParams all floating-point parameters of the model
 * @param totalMacs MACs of all Conv/ConvTranspose/Gemm/MatMul nodes per sample
 */
public record ModelProfile(
    Map<String, long[]> inputShapes, List<LayerProfile> layers, long totalParams, long totalMacs) {

  public ModelProfile {
    Map<String, long[]> copy = new LinkedHashMap<>();
    inputShapes.forEach((k, v) -> copy.put(k, v.clone()));
    inputShapes = Collections.unmodifiableMap(copy);
    layers = List.copyOf(layers);
  }

  /**
   * Profiles a model with its declared input shapes (symbolic batch taken as 1) and default rules.
   */
  public static ModelProfile of(Model model) {
    return of(model, Map.of(), ProfileOptions.DEFAULTS);
  }

  /**
   * Profiles a model: what applies to each layer as such, then the layer rules.
   *
   * @param inputShapes per-input shape overrides (may be empty)
   * @param options the layer rules that decide which layers count as factorizable
   * @throws ModelException for a malformed graph, {@link UnsupportedModelException} for an op
   *     without shape inference
   */
  public static ModelProfile of(
      Model model, Map<String, long[]> inputShapes, ProfileOptions options) {
    try {
      ModelProfile p = profile(model, inputShapes);
      return new ModelProfile(
          p.inputShapes(), options.apply(p.layers()), p.totalParams(), p.totalMacs());
    } catch (ArithmeticException e) {
      throw new ModelException(
          "parameter or MAC counts overflow a long; bogus dimensions? (" + e.getMessage() + ")", e);
    }
  }

  private static ModelProfile profile(Model model, Map<String, long[]> inputShapes) {
    Model folded = WeightFolding.fold(model);
    InferredShapes shapes = ShapeInference.infer(folded, inputShapes);
    Graph g = folded.graph();
    long batch = 1;
    if (!g.runtimeInputs().isEmpty()) {
      long[] first = shapes.require(g.runtimeInputs().get(0).name());
      batch = first.length > 0 ? Math.max(first[0], 1) : 1;
    }
    List<LayerProfile> layers = new ArrayList<>();
    long macs = 0;
    for (Node n : g.nodes()) {
      if (!(n.domain().isEmpty() || n.domain().equals("ai.onnx"))) {
        continue;
      }
      switch (n.opType()) {
        case "Conv", "Gemm", "MatMul", "ConvTranspose" -> {
          LayerProfile lp;
          try {
            macs = Math.addExact(macs, nodeMacs(n, shapes, batch));
            lp = layer(g, n, shapes, batch);
          } catch (ModelException | ArithmeticException e) {
            throw e;
          } catch (RuntimeException e) {
            throw new ModelException(n, "malformed layer (" + e + ")", e);
          }
          if (lp != null) {
            layers.add(lp);
          }
        }
        default -> {}
      }
    }
    long params = 0;
    for (TensorValue t : g.initializers().values()) {
      if (t.isFloatingPoint()) {
        params = Math.addExact(params, t.elementCount());
      }
    }
    Map<String, long[]> used = new LinkedHashMap<>();
    g.runtimeInputs().forEach(v -> used.put(v.name(), shapes.require(v.name())));
    return new ModelProfile(used, layers, params, macs);
  }

  /** Parameters in layers where at least one method applies. */
  public long factorizableParams() {
    return layers.stream()
        .filter(LayerProfile::isFactorizable)
        .mapToLong(LayerProfile::params)
        .sum();
  }

  /** MACs in layers where at least one method applies. */
  public long factorizableMacs() {
    return layers.stream().filter(LayerProfile::isFactorizable).mapToLong(LayerProfile::macs).sum();
  }

  /** The layer with the given name. */
  public java.util.Optional<LayerProfile> layer(String name) {
    return layers.stream().filter(l -> l.name().equals(name)).findFirst();
  }

  private static String layerName(Node n) {
    return n.name().isEmpty() ? n.output(0) : n.name();
  }

  /** MACs per sample of a Conv/ConvTranspose/Gemm/MatMul node. */
  private static long nodeMacs(Node n, InferredShapes s, long batch) {
    long[] x = s.require(n.input(0));
    long[] w = s.require(n.input(1));
    long[] y = s.require(n.output(0));
    long total =
        switch (n.opType()) {
          case "Conv" -> Math.multiplyExact(Shapes.product(y), Shapes.product(w, 1, w.length));
          case "ConvTranspose" ->
              Math.multiplyExact(Shapes.product(x), Shapes.product(w, 1, w.length));
          case "Gemm" -> Math.multiplyExact(Shapes.product(y), GemmAttributes.of(n).inner(x));
          default -> Math.multiplyExact(Shapes.product(y), x[x.length - 1]);
        };
    return perSample(total, batch);
  }

  /** A whole-batch count divided by the batch size when it divides evenly. */
  private static long perSample(long total, long batch) {
    return total % batch == 0 ? total / batch : total;
  }

  private static LayerProfile layer(Graph g, Node n, InferredShapes s, long batch) {
    String wName = n.input(1);
    TensorValue w = g.initializers().get(wName);
    boolean weightOnLeft = false;
    if (w == null && n.opType().equals("MatMul") && g.initializers().containsKey(n.input(0))) {
      w = g.initializers().get(n.input(0));
      wName = n.input(0);
      weightOnLeft = true;
    }
    boolean conv = n.opType().equals("Conv") || n.opType().equals("ConvTranspose");
    if (w == null && (conv || n.opType().equals("Gemm"))) {
      return runtimeWeight(n, s);
    }
    if (w == null) {
      return null; // activation x activation: not a layer with weights
    }
    return conv ? conv(g, n, w, wName, s) : dense(g, n, w, wName, weightOnLeft, s, batch);
  }

  /** A Conv/ConvTranspose/Gemm whose weight is computed at run time: listed, never factorized. */
  private static LayerProfile runtimeWeight(Node n, InferredShapes s) {
    long[] wd = s.require(n.input(1));
    boolean transposed = n.opType().equals("ConvTranspose");
    boolean conv = transposed || n.opType().equals("Conv");
    String kind =
        conv ? "conv" + (wd.length - 2) + "d" + (transposed ? "-transpose" : "") : "dense";
    LayerGeometry geo =
        conv
            ? LayerGeometry.conv(
                layerName(n),
                transposed ? wd[1] : wd[0],
                transposed ? wd[0] : wd[1],
                1,
                new long[0],
                new long[0],
                new long[0],
                false)
            : LayerGeometry.dense(layerName(n), 0, 0, 1, false);
    return new LayerProfile(
        layerName(n),
        n.opType(),
        kind,
        n.input(1),
        wd,
        false,
        new long[0],
        new long[0],
        new long[0],
        ConvAttributes.of(n).group(),
        s.require(n.input(0)),
        s.require(n.output(0)),
        0,
        0,
        geo,
        List.of(),
        "weight '" + n.input(1) + "' is computed at run time, not a constant",
        Map.of(),
        SkipRule.RUNTIME_WEIGHT);
  }

  /**
   * A Conv [C_out, C_in/g, k..] or ConvTranspose [C_in, C_out/g, k..] layer: MACs C_out*C_in/g*K
   * per output pixel (Conv) or per input pixel (ConvTranspose).
   */
  private static LayerProfile conv(Graph g, Node n, TensorValue w, String wName, InferredShapes s) {
    boolean transposed = n.opType().equals("ConvTranspose");
    long[] x = s.require(n.input(0));
    long[] y = s.require(n.output(0));
    long[] wd = w.dims();
    int d = wd.length - 2;
    ConvAttributes attrs = ConvAttributes.of(n);
    long groups = attrs.group();
    long[] kernel = attrs.kernel(Arrays.copyOfRange(wd, 2, wd.length));
    long[] inSpatial = Arrays.copyOfRange(x, 2, x.length);
    long[] outSpatial = Arrays.copyOfRange(y, 2, y.length);
    Window win =
        transposed ? attrs.transposedWindow(inSpatial, kernel) : attrs.window(inSpatial, kernel);
    boolean hasBias = !n.input(2).isEmpty();
    TensorValue bias = hasBias ? g.initializers().get(n.input(2)) : null;
    long cout = transposed ? wd[1] * groups : wd[0];
    long cin = x[1];
    long perGroupIn = transposed ? wd[0] / groups : wd[1];
    boolean depthwise = groups > 1 && groups == cin && perGroupIn == 1;
    String op = transposed ? "ConvTranspose" : "convolution";
    String kind =
        "conv"
            + d
            + "d"
            + (transposed ? "-transpose" : "")
            + (depthwise ? "-depthwise" : groups > 1 ? "-grouped" : "");
    long weights = w.elementCount();
    long params = weights + (hasBias ? (bias != null ? bias.elementCount() : cout) : 0);
    long macs = Shapes.product(transposed ? x : y, 2, y.length) * Shapes.product(wd, 0, wd.length);
    LayerGeometry geo =
        transposed
            ? LayerGeometry.convTranspose(
                layerName(n), cout, cin, groups, kernel, inSpatial, outSpatial, hasBias)
            : LayerGeometry.conv(
                layerName(n), cout, cin, groups, kernel, inSpatial, outSpatial, hasBias);
    List<Method> methods = new ArrayList<>();
    Map<Method, String> notes = new EnumMap<>(Method.class);
    String skip = "";
    SkipRule rule = null;
    if (depthwise) {
      rule = SkipRule.DEPTHWISE;
      skip = "depthwise " + op + ": no channel mixing to factorize";
    } else if (groups > 1) {
      rule = SkipRule.GROUPED;
      skip = "grouped " + op + " (groups=" + groups + "): the conv factorizations need groups=1";
    } else if (d < 1 || d > 3) {
      skip = op + " with " + d + " spatial axes: only 1-D, 2-D and 3-D kernels are factorized";
    } else {
      for (Method m : new Method[] {Method.TUCKER2, Method.CP, Method.TT}) {
        Choice c = m == Method.CP ? Choice.of(m, 1) : Choice.of(m, 1, 1);
        if (CostModel.reducesCost(geo, c)) {
          methods.add(m);
        } else {
          notes.put(m, "would not reduce cost even at rank 1");
        }
      }
      if (methods.isEmpty()) {
        rule = SkipRule.NO_GAIN;
        skip = "would not reduce cost: no rank of tucker/cp/tt is cheaper than the layer";
      }
    }
    return new LayerProfile(
        layerName(n),
        n.opType(),
        kind,
        wName,
        wd,
        hasBias,
        win.strides(),
        win.pads(),
        win.dilations(),
        groups,
        x,
        y,
        params,
        macs,
        geo,
        methods,
        skip,
        notes,
        rule);
  }

  private static LayerProfile dense(
      Graph g,
      Node n,
      TensorValue w,
      String wName,
      boolean weightOnLeft,
      InferredShapes s,
      long batch) {
    long[] x = s.require(n.input(weightOnLeft ? 1 : 0));
    long[] y = s.require(n.output(0));
    long[] wd = w.dims();
    boolean hasBias = n.opType().equals("Gemm") && !n.input(2).isEmpty();
    long out;
    long in;
    long rows;
    String skip = "";
    if (n.opType().equals("Gemm")) {
      GemmAttributes gemm = GemmAttributes.of(n);
      in = gemm.innerOfB(wd);
      out = gemm.columns(wd);
      rows = gemm.rows(x);
    } else if (wd.length != 2) {
      in = wd.length >= 2 ? wd[wd.length - 2] : wd[0];
      out = wd.length >= 2 ? wd[wd.length - 1] : 1;
      rows = 1;
      skip = "MatMul with a rank-" + wd.length + " weight: only matrices are factorized";
    } else if (weightOnLeft) {
      out = wd[0];
      in = wd[1];
      rows = Shapes.product(y) / out;
    } else {
      in = wd[0];
      out = wd[1];
      rows = Shapes.product(y) / out;
    }
    rows = Math.max(1, perSample(rows, batch));
    TensorValue bias = hasBias ? g.initializers().get(n.input(2)) : null;
    long params = w.elementCount() + (hasBias ? (bias != null ? bias.elementCount() : out) : 0);
    long macs = Math.multiplyExact(Math.multiplyExact(rows, in), out);
    LayerGeometry geo = LayerGeometry.dense(layerName(n), out, in, rows, hasBias);
    List<Method> methods = new ArrayList<>();
    Map<Method, String> notes = new EnumMap<>(Method.class);
    SkipRule rule = skip.isEmpty() ? null : SkipRule.UNSUPPORTED;
    if (skip.isEmpty()) {
      for (Method m : new Method[] {Method.SVD, Method.QR}) {
        if (CostModel.reducesCost(geo, Choice.of(m, 1))) {
          methods.add(m);
        } else {
          notes.put(m, "would not reduce cost even at rank 1");
        }
      }
      int[] om = twoModes(out);
      int[] im = twoModes(in);
      if (om == null || im == null) {
        notes.put(
            Method.TTM,
            "no TT-matrix modes: "
                + (om == null ? "output size " + out : "input size " + in)
                + " does not factor into two modes > 1");
      } else if (CostModel.reducesCost(geo, Choice.ttm(om, im, new int[] {1}))) {
        methods.add(Method.TTM);
      } else {
        notes.put(Method.TTM, "would not reduce cost even at rank 1");
      }
      if (methods.isEmpty()) {
        rule = SkipRule.NO_GAIN;
        skip = "would not reduce cost: no rank of svd/qr/ttm is cheaper than the layer";
      }
    }
    return new LayerProfile(
        layerName(n),
        n.opType(),
        "dense",
        wName,
        wd,
        hasBias,
        new long[0],
        new long[0],
        new long[0],
        1,
        x,
        y,
        params,
        macs,
        geo,
        methods,
        skip,
        notes,
        rule);
  }

  /**
   * The factorization n = a*b with a <= b, both > 1, a as close to sqrt(n) as possible; null if
   * none.
   */
  static int[] twoModes(long n) {
    if (n > Integer.MAX_VALUE) {
      return null;
    }
    for (long a = (long) Math.sqrt(n); a > 1; a--) {
      if (n % a == 0) {
        return new int[] {(int) a, (int) (n / a)};
      }
    }
    return null;
  }
}
