package org.lowrank.rewrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a Conv, ConvTranspose, Gemm or MatMul layer by the chain of standard ONNX ops of its
 * {@link FactorizedLayer}. New node and tensor names start with {@code <layer>/<method>_}; the
 * layer's output tensor keeps its name, so the rest of the graph is untouched. Only ops available
 * in every opset the reader accepts (7..21) are emitted, so the opset and IR version stay as they
 * were.
 *
 * <pre>
 *   Tucker2Conv / TtConv : Conv 1x1 (Cin->r_in) -> Conv kxk (r_in->r_out, stride/pads/dilations)
 *                          -> Conv 1x1 (r_out->Cout, bias)
 *   CpConv               : Conv 1x1 (Cin->R) -> depthwise Conv kxk (group R) [or one per axis]
 *                          -> Conv 1x1 (R->Cout, bias)
 *   (ConvTranspose layer : the same chains with the kxk / depthwise core a ConvTranspose carrying
 *                          the layer's strides, pads, output_padding, output_shape, dilations)
 *   LowRankDense         : Gemm/MatMul (in->r) -> Gemm/MatMul (r->out, bias)
 *   TtMatrixDense        : per core Reshape -> Transpose -> Reshape -> MatMul, final Reshape (+ Add bias)
 * </pre>
 */
public final class LayerRewriter {
  private static final Logger LOG = LoggerFactory.getLogger(LayerRewriter.class);

  private LayerRewriter() {}

  /**
   * The model with layer {@code layer} replaced by {@code spec}.
   *
   * @param model input model (not modified)
   * @param layer node name, or the name of the node's first output for unnamed nodes
   * @throws ModelException when the layer is missing, of the wrong kind, or its shape does not
   *     match the factors
   * @throws UnsupportedModelException for grouped convs and unsupported Gemm/MatMul forms
   */
  public static Model rewrite(Model model, String layer, FactorizedLayer spec) {
    Node node = findLayer(model.graph(), layer);
    String prefix = layerName(node);
    GraphEdit edit = new GraphEdit(model, node, prefix);
    if (spec.forConv() || ConvLayer.isConvOp(node)) {
      ConvLayer conv = ConvLayer.of(model.graph(), node);
      ConvChains.emit(edit, conv, spec);
    } else {
      DenseLayer dense = DenseLayer.of(model.graph(), node);
      DenseChains.emit(edit, dense, spec);
    }
    LOG.debug(
        "rewrote {} as {} ranks {}", node.label(), spec.method(), Arrays.toString(spec.ranks()));
    return edit.apply();
  }

  /** Applies {@link #rewrite} for each entry, in map order. */
  public static Model rewriteAll(Model model, Map<String, ? extends FactorizedLayer> specs) {
    Model m = model;
    for (Map.Entry<String, ? extends FactorizedLayer> e : specs.entrySet()) {
      m = rewrite(m, e.getKey(), e.getValue());
    }
    return m;
  }

  /**
   * The model with a layer's weight replaced by {@code weight} (same shape; e.g. a factorization's
   * dense reconstruction, the reference a reduced-rank rewrite must reproduce). Conv and
   * ConvTranspose weights are in conv layout [Cout, Cin/groups, k..] ({@link ConvLayer#weight()});
   * dense weights are W [out, in] ({@link DenseLayer#weight()}).
   */
  public static Model withWeight(Model model, String layer, TensorValue weight) {
    Graph g = model.graph();
    Node node = findLayer(g, layer);
    String weightName;
    int weightInput;
    TensorValue stored;
    if (ConvLayer.isConvOp(node)) {
      ConvLayer c = ConvLayer.of(g, node);
      if (c.isPointwise()
          && weight.rank() == 2
          && weight.elementCount() == c.weight().elementCount()) {
        weight = weight.reshape(c.weight().dims()); // a 1x1 conv's SVD reconstructs [C_out, C_in]
      }
      requireSameShape(node, c.weight().dims(), weight.dims());
      weightName = c.weightName();
      weightInput = 1;
      stored = c.toStored(weight);
    } else {
      DenseLayer d = DenseLayer.of(g, node);
      requireSameShape(node, d.weight().dims(), weight.dims());
      weightName = d.weightName();
      weightInput = d.weightInput();
      stored = d.toStored(weight);
    }
    GraphEdit edit = new GraphEdit(model, node, layerName(node));
    String newName = edit.constant("weight", stored);
    List<String> inputs = new ArrayList<>(node.inputs());
    inputs.set(weightInput, newName);
    Graph.Builder gb = g.toBuilder();
    List<Node> nodes = new ArrayList<>();
    for (Node n : g.nodes()) {
      nodes.add(n == node ? n.toBuilder().inputs(inputs).build() : n);
    }
    gb.nodes(nodes).putInitializer(newName, stored);
    if (model.irVersion() < 4) {
      gb.addInput(GraphEdit.floatInfo(newName, stored.dims()));
    }
    Graph out = GraphEdit.pruneUnused(gb.build(), new HashSet<>(List.of(weightName)));
    return model.withGraph(out);
  }

  /**
   * The node named {@code layer} (or producing tensor {@code layer}).
   *
   * @throws ModelException listing the Conv/ConvTranspose/Gemm/MatMul nodes when there is none
   */
  public static Node findLayer(Graph g, String layer) {
    for (Node n : g.nodes()) {
      if (n.name().equals(layer)) {
        return n;
      }
    }
    for (Node n : g.nodes()) {
      if (n.name().isEmpty() && !n.outputs().isEmpty() && n.output(0).equals(layer)) {
        return n;
      }
    }
    List<String> layers = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (ConvLayer.isConvOp(n) || n.opType().equals("Gemm") || n.opType().equals("MatMul")) {
        layers.add(layerName(n));
      }
    }
    throw new ModelException(
        "no layer named '"
            + layer
            + "' in graph '"
            + g.name()
            + "'; its Conv/ConvTranspose/Gemm/MatMul layers are "
            + (layers.size() > 20 ? layers.subList(0, 20) + "..." : layers));
  }

  /** The name a layer is known by: the node name, or its first output for unnamed nodes. */
  public static String layerName(Node n) {
    return n.name().isEmpty() ? n.output(0) : n.name();
  }

  static void requireSameShape(Node node, long[] expected, long[] found) {
    if (!Arrays.equals(expected, found)) {
      throw new ModelException(
          node,
          "the factors describe a weight of shape "
              + Arrays.toString(found)
              + " but the layer's weight is "
              + Arrays.toString(expected)
              + "; factorize this layer's own weight");
    }
  }
}
