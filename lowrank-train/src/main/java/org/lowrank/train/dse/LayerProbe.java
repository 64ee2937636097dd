package org.lowrank.train.dse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.ops.ConstantOps;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.DenseLayer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.tensor.DenseTensor;
import org.lowrank.train.exec.GraphExecutor;

/**
 * One Conv, ConvTranspose, Gemm or MatMul layer of a model, runnable alone: a one-node model whose
 * data input and weight are graph inputs (the bias stays a constant), executed by {@link
 * GraphExecutor} so the node's own stride, pads, dilations, groups, auto_pad, transB, alpha and
 * beta apply unchanged. Feeding it a reconstructed weight Ŵ gives the output of the factorized
 * layer. A ConvTranspose weight is given in conv layout [Cout, Cin/g, k..] like a Conv's ({@link
 * ConvLayer#weight()}).
 */
final class LayerProbe implements AutoCloseable {
  private final String name;
  private final Node node;
  private final boolean conv;

  /** The conv layer (Conv or ConvTranspose), null for dense layers. */
  private final ConvLayer convLayer;

  private final String dataInput;
  private final String weightName;
  private final long[] storedDims;

  /** Dense weights stored as [in, out] (MatMul, Gemm without transB): Ŵ is transposed to feed. */
  private final boolean storedTransposed;

  private final TensorValue weight;
  private final long groups;
  private final boolean hasBias;
  private final Model probeModel;
  private GraphExecutor executor;

  private LayerProbe(
      String name,
      Node node,
      ConvLayer convLayer,
      String dataInput,
      String weightName,
      long[] storedDims,
      boolean storedTransposed,
      TensorValue weight,
      long groups,
      boolean hasBias,
      Model probeModel) {
    this.name = name;
    this.node = node;
    this.conv = convLayer != null;
    this.convLayer = convLayer;
    this.dataInput = dataInput;
    this.weightName = weightName;
    this.storedDims = storedDims;
    this.storedTransposed = storedTransposed;
    this.weight = weight;
    this.groups = groups;
    this.hasBias = hasBias;
    this.probeModel = probeModel;
  }

  /**
   * The probe of {@code node}, or empty when it is not a factorizable layer: not a
   * Conv/ConvTranspose/Gemm/MatMul, no constant weight, a bias that is not constant, a transposed
   * Gemm input, or a MatMul with the weight on the left.
   */
  static Optional<LayerProbe> of(Model model, Node node) {
    Graph g = model.graph();
    String op = node.opType();
    if (!node.domain().isEmpty()
        || !(ConvLayer.isConvOp(node) || op.equals("Gemm") || op.equals("MatMul"))) {
      return Optional.empty();
    }
    try {
      String name = LayerRewriter.layerName(node);
      Graph.Builder pg = Graph.builder().name("probe_" + name);
      TensorValue w;
      String wName;
      long[] stored;
      boolean transposed = false;
      long groups = 1;
      String bias;
      ConvLayer c = null;
      if (ConvLayer.isConvOp(node)) {
        c = ConvLayer.of(g, node);
        w = c.weight();
        wName = c.weightName();
        stored = c.toStored(w).dims();
        groups = c.groups();
        bias = c.biasName();
      } else {
        DenseLayer d = DenseLayer.of(g, node);
        if (d.weightOnLeft() || d.transA()) {
          return Optional.empty();
        }
        w = d.weight();
        wName = d.weightName();
        stored = d.storedWeight().dims();
        transposed = !(d.isGemm() && d.transB());
        bias = d.biasName();
      }
      String x = node.input(0);
      pg.addInput(new ValueInfo(x, DataType.FLOAT, null));
      pg.addInput(ValueInfo.of(wName, DataType.FLOAT, stored));
      if (!bias.isEmpty()) {
        Optional<TensorValue> b = constant(g, bias);
        if (b.isEmpty()) {
          return Optional.empty();
        }
        pg.putInitializer(bias, b.get());
      }
      pg.addNode(node);
      pg.addOutput(new ValueInfo(node.output(0), DataType.FLOAT, null));
      Model probe = Model.of(pg.build(), model.opset() < 0 ? 13 : model.opset());
      return Optional.of(
          new LayerProbe(
              name, node, c, x, wName, stored, transposed, w, groups, !bias.isEmpty(), probe));
    } catch (ModelException e) {
      return Optional.empty();
    }
  }

  private static Optional<TensorValue> constant(Graph g, String tensor) {
    Optional<TensorValue> init = g.initializer(tensor);
    if (init.isPresent()) {
      return init;
    }
    Node p = g.producers().get(tensor);
    if (p != null && p.opType().equals("Constant") && p.domain().isEmpty()) {
      return Optional.of(ConstantOps.constantValue(p));
    }
    return Optional.empty();
  }

  String name() {
    return name;
  }

  Node node() {
    return node;
  }

  boolean isConv() {
    return conv;
  }

  /** True for a ConvTranspose layer. */
  boolean isTransposedConv() {
    return conv && convLayer.transposed();
  }

  /** Whether the layer adds a (constant) bias. */
  boolean hasBias() {
    return hasBias;
  }

  long groups() {
    return groups;
  }

  /** The tensor feeding the layer (cached by the calibration pass). */
  String dataInput() {
    return dataInput;
  }

  /** The model's weight in the selector convention: conv [Cout, Cin/g, k..], dense [out, in]. */
  DenseTensor weight() {
    return DenseTensor.fromFloats(weight.toFloatArray(), toInt(weight.dims()));
  }

  /** Weight shape in the selector convention. */
  int[] weightShape() {
    return toInt(weight.dims());
  }

  /**
   * The layer's output on {@code x} with weight {@code w} (selector convention, same shape as the
   * model's), all arrays owned by {@code batch}.
   */
  NDArray run(NDManager parent, NDManager batch, NDArray x, DenseTensor w) {
    if (!Arrays.equals(w.shape(), weightShape())) {
      throw new IllegalArgumentException(
          "layer '"
              + name
              + "': weight of shape "
              + Arrays.toString(w.shape())
              + " given, the layer's is "
              + Arrays.toString(weightShape()));
    }
    float[] data;
    if (isTransposedConv()) {
      long[] dims = Arrays.stream(w.shape()).asLongStream().toArray();
      data = convLayer.toStored(TensorValue.ofFloats(dims, w.toFloats())).toFloatArray();
    } else {
      data = (storedTransposed ? w.transpose() : w).toFloats();
    }
    NDArray wa = batch.create(data, new Shape(storedDims));
    if (executor == null) {
      executor =
          GraphExecutor.builder(probeModel).optTrainable(n -> false).optManager(parent).build();
    }
    Map<String, NDArray> out =
        executor.featureMaps(batch, Map.of(dataInput, x, weightName, wa), List.of(node.output(0)));
    return out.get(node.output(0));
  }

  /**
   * The layer as a selector sees it, with input and output shapes [N, C, spatial..] (conv) or [N,
   * .., features] (dense) measured on the calibration batch.
   */
  LayerInput layerInput(long[] inDims, long[] outDims) {
    LayerGeometry g;
    String kind;
    DenseTensor w = weight();
    if (conv) {
      int d = w.order() - 2;
      long[] kernel = Arrays.stream(w.shape()).skip(2).mapToLong(v -> v).toArray();
      long[] in = Arrays.copyOfRange(inDims, 2, inDims.length);
      long[] out = Arrays.copyOfRange(outDims, 2, outDims.length);
      boolean bias = node.inputs().size() > 2 && !node.input(2).isEmpty();
      g =
          isTransposedConv()
              ? LayerGeometry.convTranspose(
                  name, w.dim(0), (long) w.dim(1) * groups, groups, kernel, in, out, bias)
              : LayerGeometry.conv(
                  name, w.dim(0), (long) w.dim(1) * groups, groups, kernel, in, out, bias);
      kind = "conv" + d + "d" + (isTransposedConv() ? "-transpose" : "");
    } else {
      long rows = 1;
      for (int i = 1; i < inDims.length - 1; i++) {
        rows *= inDims[i];
      }
      g =
          LayerGeometry.dense(
              name, w.dim(0), w.dim(1), rows, node.inputs().size() > 2 && !node.input(2).isEmpty());
      kind = "dense";
    }
    return new LayerInput(name, kind, g, w);
  }

  private static int[] toInt(long[] dims) {
    int[] r = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      r[i] = Math.toIntExact(dims[i]);
    }
    return r;
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.close();
      executor = null;
    }
  }
}
