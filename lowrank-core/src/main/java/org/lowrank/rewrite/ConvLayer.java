package org.lowrank.rewrite;

import java.util.Arrays;
import org.lowrank.graph.Graph;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;

/**
 * A Conv node with a constant weight, as the rewrite sees it. ONNX attributes with their defaults
 * filled in; pads are {@code [x1_begin, .., xd_begin, x1_end, .., xd_end]}.
 *
 * @param node the Conv node
 * @param weightName the weight input's tensor name
 * @param weight W [Cout, Cin/groups, k_1..k_d]
 * @param groups conv groups
 * @param strides per spatial axis
 * @param dilations per spatial axis
 * @param pads explicit pads (all zero when {@code autoPad} is not NOTSET)
 * @param autoPad NOTSET, SAME_UPPER, SAME_LOWER or VALID
 * @param biasName the bias input's tensor name, "" when absent
 */
public record ConvLayer(
    Node node,
    String weightName,
    TensorValue weight,
    long groups,
    long[] strides,
    long[] dilations,
    long[] pads,
    String autoPad,
    String biasName) {

  public ConvLayer {
    strides = strides.clone();
    dilations = dilations.clone();
    pads = pads.clone();
  }

  /**
   * Reads a Conv node of {@code graph}.
   *
   * @throws ModelException when the node is not a Conv, has no constant weight, or inconsistent
   *     attributes
   */
  public static ConvLayer of(Graph graph, Node node) {
    if (!node.opType().equals("Conv") || !node.domain().isEmpty()) {
      throw new ModelException(node, "expected a Conv node");
    }
    String wName = node.input(1);
    TensorValue w =
        Constants.resolve(graph, wName)
            .orElseThrow(
                () -> new UnsupportedModelException(
                    node,
                    "weight '" + wName + "' is not an initializer or Constant; fold constants (WeightFolding.fold)"
                        + " before rewriting"));
    if (w.rank() < 3 || w.rank() > 5) {
      throw new UnsupportedModelException(
          node, "weight must be [Cout, Cin/groups, k_1..k_d] with d in 1..3, found "
              + Arrays.toString(w.dims()));
    }
    int d = w.rank() - 2;
    long[] kernel = Arrays.copyOfRange(w.dims(), 2, w.rank());
    long[] ks = node.attrLongs("kernel_shape", kernel);
    if (!Arrays.equals(ks, kernel)) {
      throw new ModelException(
          node, "kernel_shape " + Arrays.toString(ks) + " disagrees with weight shape "
              + Arrays.toString(w.dims()));
    }
    long[] strides = node.attrLongs("strides", Tensors.ones(d));
    long[] dilations = node.attrLongs("dilations", Tensors.ones(d));
    long[] pads = node.attrLongs("pads", new long[2 * d]);
    if (strides.length != d || dilations.length != d || pads.length != 2 * d) {
      throw new ModelException(
          node, "strides " + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations)
              + ", pads " + Arrays.toString(pads) + " do not fit " + d + " spatial axes");
    }
    String autoPad = node.attrString("auto_pad", "NOTSET");
    return new ConvLayer(
        node, wName, w, node.attrLong("group", 1), strides, dilations, pads, autoPad, node.input(2));
  }

  /** Number of spatial axes d. */
  public int spatialRank() {
    return weight.rank() - 2;
  }

  public long outChannels() {
    return weight.dim(0);
  }

  /** Total input channels (Cin/groups * groups). */
  public long inChannels() {
    return weight.dim(1) * groups;
  }

  public long[] kernel() {
    return Arrays.copyOfRange(weight.dims(), 2, weight.rank());
  }

  public boolean isGrouped() {
    return groups != 1;
  }

  public boolean hasBias() {
    return !biasName.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvLayer c && node.equals(c.node) && weight.equals(c.weight);
  }

  @Override
  public int hashCode() {
    return node.hashCode();
  }

  @Override
  public String toString() {
    return "ConvLayer[" + node.label() + " " + Arrays.toString(weight.dims()) + "]";
  }
}
