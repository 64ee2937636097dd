package org.lowrank.rewrite;

import java.util.Arrays;
import org.lowrank.graph.Graph;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.ops.ConvAttributes;

/**
 * A Conv or ConvTranspose node with a constant weight, as the rewrite sees it. ONNX attributes with
 * their defaults filled in; pads are {@code [x1_begin, .., xd_begin, x1_end, .., xd_end]}.
 *
 * <p>The weight is always given in conv layout W [Cout, Cin/groups, k..]. A ConvTranspose stores
 * W_T [Cin, Cout/groups, k..] with {@code y[o] = sum_i x[i] *^T W_T[i, o]} (per group); its conv
 * layout is the per-group transpose of the first two axes, {@code W[g Cout/g + o, i, s] = W_T[g
 * Cin/g + i, o, s]} ({@link #toStored} goes back). So every conv factorization applies unchanged to
 * a ConvTranspose, and its rewrite swaps the roles of the axes again in the core op only.
 *
 * @param node the Conv or ConvTranspose node
 * @param weightName the weight input's tensor name
 * @param weight W [Cout, Cin/groups, k_1..k_d] (conv layout, also for ConvTranspose)
 * @param groups conv groups
 * @param strides per spatial axis
 * @param dilations per spatial axis
 * @param pads explicit pads (all zero when {@code autoPad} is not NOTSET)
 * @param autoPad NOTSET, SAME_UPPER, SAME_LOWER or VALID
 * @param biasName the bias input's tensor name, "" when absent
 * @param transposed true for a ConvTranspose node
 * @param outputPadding ConvTranspose output_padding per spatial axis (all zero for Conv)
 * @param outputShape ConvTranspose output_shape as written (empty when absent, always for Conv)
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
    String biasName,
    boolean transposed,
    long[] outputPadding,
    long[] outputShape) {

  public ConvLayer {
    strides = strides.clone();
    dilations = dilations.clone();
    pads = pads.clone();
    outputPadding = outputPadding.clone();
    outputShape = outputShape.clone();
  }

  /** True for the ops this record reads: Conv and ConvTranspose of the default domain. */
  public static boolean isConvOp(Node node) {
    return node.domain().isEmpty()
        && (node.opType().equals("Conv") || node.opType().equals("ConvTranspose"));
  }

  /**
   * Reads a Conv or ConvTranspose node of {@code graph}.
   *
   * @throws ModelException when the node is not a Conv/ConvTranspose, has no constant weight, or
   *     inconsistent attributes
   */
  public static ConvLayer of(Graph graph, Node node) {
    if (!isConvOp(node)) {
      throw new ModelException(node, "expected a Conv or ConvTranspose node");
    }
    boolean transposed = node.opType().equals("ConvTranspose");
    String wName = node.input(1);
    TensorValue w =
        Constants.resolve(graph, wName)
            .orElseThrow(
                () ->
                    new UnsupportedModelException(
                        node,
                        "weight '"
                            + wName
                            + "' is not an initializer or Constant; fold constants (WeightFolding.fold)"
                            + " before rewriting"));
    if (w.rank() < 3 || w.rank() > 5) {
      throw new UnsupportedModelException(
          node,
          "weight must be "
              + (transposed ? "[Cin, Cout/groups" : "[Cout, Cin/groups")
              + ", k_1..k_d] with d in 1..3, found "
              + Arrays.toString(w.dims()));
    }
    int d = w.rank() - 2;
    ConvAttributes attrs = ConvAttributes.of(node);
    attrs.kernel(Arrays.copyOfRange(w.dims(), 2, w.rank()));
    long[] strides = attrs.strides(d);
    long[] dilations = attrs.dilations(d);
    long[] pads = attrs.pads(d);
    String autoPad = attrs.autoPad().name();
    long groups = attrs.group();
    long[] outputPadding = new long[d];
    long[] outputShape = new long[0];
    if (transposed) {
      outputPadding = attrs.outputPadding(d);
      outputShape = attrs.outputShape();
      if (outputShape.length != 0 && outputShape.length < d) {
        throw new ModelException(
            node,
            "output_shape "
                + Arrays.toString(outputShape)
                + " does not fit "
                + d
                + " spatial axes");
      }
      if (groups < 1 || w.dim(0) % groups != 0) {
        throw new ModelException(
            node,
            "weight "
                + Arrays.toString(w.dims())
                + " has "
                + w.dim(0)
                + " input channels, not a multiple of group="
                + groups);
      }
      w = swapChannelAxes(w, groups);
    }
    return new ConvLayer(
        node,
        wName,
        w,
        groups,
        strides,
        dilations,
        pads,
        autoPad,
        node.input(2),
        transposed,
        outputPadding,
        outputShape);
  }

  /**
   * Swaps the two channel axes within each of {@code groups} groups: [g a, b, k..] -> [g b, a,
   * k..], i.e. {@code out[h b + j, i, s] = t[h a + i, j, s]}. Its own inverse up to the shape:
   * ConvTranspose layout [Cin, Cout/g, k..] <-> conv layout [Cout, Cin/g, k..].
   *
   * @param t weight of rank >= 3 (not modified)
   */
  static TensorValue swapChannelAxes(TensorValue t, long groups) {
    long[] dims = t.dims();
    long a = dims[0] / groups;
    long b = dims[1];
    long kk = Tensors.product(dims, 2, dims.length);
    TensorValue p = Tensors.permute(t.reshape(new long[] {groups, a, b, kk}), 0, 2, 1, 3);
    long[] out = dims.clone();
    out[0] = groups * b;
    out[1] = a;
    return p.reshape(out);
  }

  /**
   * A weight in conv layout [Cout, Cin/groups, k..] as this node stores it: unchanged for Conv,
   * [Cin, Cout/groups, k..] for ConvTranspose.
   */
  public TensorValue toStored(TensorValue convLayout) {
    return transposed ? swapChannelAxes(convLayout, groups) : convLayout;
  }

  /** The op the node runs: "Conv" or "ConvTranspose". */
  public String opType() {
    return transposed ? "ConvTranspose" : "Conv";
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

  /** True when output_shape is set (ConvTranspose only): it fixes the output size, not the pads. */
  public boolean hasOutputShape() {
    return outputShape.length > 0;
  }

  public boolean isGrouped() {
    return groups != 1;
  }

  /** A 1x1 ungrouped Conv (not ConvTranspose): its weight is the matrix [C_out, C_in]. */
  public boolean isPointwise() {
    return !transposed() && !isGrouped() && Arrays.stream(kernel()).allMatch(k -> k == 1);
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
