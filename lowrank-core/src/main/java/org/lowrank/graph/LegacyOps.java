package org.lowrank.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the experimental ops of opset-7 era exports (CoreML and Caffe2 converters, the classic
 * fast-neural-style models), which later ONNX releases removed, into standard ops of the model's
 * own opset, so that shape inference, the trainable executor and the export only ever see modern
 * ops:
 *
 * <ul>
 *   <li>{@code ImageScaler(scale, bias)} on x [N, C, H, W]: {@code y = scale * x + bias[c]} becomes
 *       {@code Mul(x, scale)} then {@code Add(., bias)} with bias reshaped to [C, 1, 1];
 *   <li>{@code Affine(alpha, beta)}: {@code y = alpha * x + beta} becomes {@code Mul} then {@code
 *       Add} with scalar constants;
 *   <li>{@code Crop(border = [left, top, right, bottom], scale = [h, w])} on [N, C, H, W]: {@code y
 *       = x[:, :, top : top + h, left : left + w]}, or without scale {@code x[:, :, top : H -
 *       bottom, left : W - right]}, becomes a {@code Slice} on axes 2, 3, with attributes below
 *       opset 10 and with int64 inputs from opset 10 on.
 * </ul>
 *
 * The replacement's last node writes the legacy node's output name, so consumers and graph outputs
 * are untouched; new nodes are named after the legacy node ({@code name/mul}, {@code name/add},
 * ...) and new initializers after its output. Constants are float32 (the legacy ops were used on
 * float images). A model without legacy ops is returned as it is. Subgraphs (If/Loop bodies) are
 * not visited.
 */
public final class LegacyOps {
  private static final Logger LOG = LoggerFactory.getLogger(LegacyOps.class);

  /** The default-domain op types this pass replaces. */
  public static final Set<String> OP_TYPES = Set.of("ImageScaler", "Affine", "Crop");

  private LegacyOps() {}

  /** Whether {@code n} is a default-domain op this pass replaces. */
  public static boolean isLegacy(Node n) {
    return (n.domain().isEmpty() || n.domain().equals("ai.onnx")) && OP_TYPES.contains(n.opType());
  }

  /**
   * The model with every legacy op replaced by its modern equivalent (not modified).
   *
   * @throws ModelException naming the node when a legacy op's attributes are malformed
   */
  public static Model upgrade(Model model) {
    Graph g = model.graph();
    if (g.nodes().stream().noneMatch(LegacyOps::isLegacy)) {
      return model;
    }
    Rewriter r = new Rewriter(g, model.opset());
    Map<String, Integer> counts = new TreeMap<>();
    for (Node n : g.nodes()) {
      if (!isLegacy(n)) {
        r.nodes.add(n);
        continue;
      }
      switch (n.opType()) {
        case "ImageScaler" -> r.imageScaler(n);
        case "Affine" -> r.affine(n);
        case "Crop" -> r.crop(n);
        default -> throw new IllegalStateException(n.opType());
      }
      LOG.debug("replaced legacy op {} by {}", n.label(), r.lastReplacement);
      counts.merge(n.opType(), 1, Integer::sum);
    }
    LOG.info("replaced legacy ops by standard ones (opset {}): {}", model.opset(), counts);
    return model.withGraph(r.graph.nodes(r.nodes).build());
  }

  /** Accumulates the new node list and initializers; hands out names not used in the graph. */
  private static final class Rewriter {
    final Graph.Builder graph;
    final long opset;
    final List<Node> nodes = new ArrayList<>();
    final Set<String> taken = new HashSet<>();
    String lastReplacement = "";

    Rewriter(Graph g, long opset) {
      this.graph = g.toBuilder();
      this.opset = opset < 0 ? 21 : opset;
      g.inputs().forEach(v -> taken.add(v.name()));
      taken.addAll(g.initializers().keySet());
      for (Node n : g.nodes()) {
        taken.add(n.name());
        taken.addAll(n.inputs());
        taken.addAll(n.outputs());
      }
    }

    String fresh(String base) {
      String name = base;
      for (int i = 1; !taken.add(name); i++) {
        name = base + "_" + i;
      }
      return name;
    }

    String constant(String base, TensorValue t) {
      String name = fresh(base);
      graph.putInitializer(name, t);
      return name;
    }

    /** x -> Mul(x, scale) -> Add(., shift) -> the node's output. */
    void scaleShift(Node n, TensorValue scale, TensorValue shift) {
      String x = input(n);
      String y = n.output(0);
      String base = n.name().isEmpty() ? y : n.name();
      String scaled = fresh(y + "_scaled");
      Node mul =
          Node.builder("Mul")
              .name(fresh(base + "/mul"))
              .inputs(x, constant(y + "_scale", scale))
              .outputs(scaled)
              .build();
      Node add =
          Node.builder("Add")
              .name(fresh(base + "/add"))
              .inputs(scaled, constant(y + "_shift", shift))
              .outputs(y)
              .build();
      nodes.add(mul);
      nodes.add(add);
      lastReplacement = "Mul + Add";
    }

    void imageScaler(Node n) {
      float scale = n.attrFloat("scale", 1f);
      float[] bias = n.hasAttribute("bias") ? n.attributes().get("bias").asFloats() : new float[0];
      TensorValue shift =
          bias.length == 0
              ? TensorValue.scalar(0f)
              : TensorValue.ofFloats(new long[] {bias.length, 1, 1}, bias.clone());
      scaleShift(n, TensorValue.scalar(scale), shift);
    }

    void affine(Node n) {
      scaleShift(
          n,
          TensorValue.scalar(n.attrFloat("alpha", 1f)),
          TensorValue.scalar(n.attrFloat("beta", 0f)));
    }

    void crop(Node n) {
      long[] border = n.attrLongs("border", null);
      if (border == null || border.length != 4) {
        throw new ModelException(
            n,
            "Crop needs border = [left, top, right, bottom] (4 values), found "
                + (border == null ? "none" : Arrays.toString(border)));
      }
      long[] scale = n.attrLongs("scale", null);
      if (scale != null && scale.length != 2) {
        throw new ModelException(
            n, "Crop scale must be [height, width] (2 values), found " + Arrays.toString(scale));
      }
      for (long b : border) {
        if (b < 0) {
          throw new ModelException(
              n, "Crop border " + Arrays.toString(border) + " has a negative value");
        }
      }
      long left = border[0];
      long top = border[1];
      long[] starts = {top, left};
      long[] ends =
          scale != null
              ? new long[] {top + scale[0], left + scale[1]}
              : new long[] {fromEnd(border[3]), fromEnd(border[2])};
      long[] axes = {2, 3};
      String name = fresh(n.name().isEmpty() ? n.output(0) + "/slice" : n.name());
      Node.Builder slice = Node.builder("Slice").name(name).outputs(n.output(0));
      if (opset < 10) {
        slice
            .inputs(input(n))
            .attrInts("starts", starts)
            .attrInts("ends", ends)
            .attrInts("axes", axes);
      } else {
        String y = n.output(0);
        slice.inputs(
            input(n),
            constant(y + "_starts", TensorValue.ofLongs(new long[] {2}, starts)),
            constant(y + "_ends", TensorValue.ofLongs(new long[] {2}, ends)),
            constant(y + "_axes", TensorValue.ofLongs(new long[] {2}, axes)));
      }
      nodes.add(slice.build());
      lastReplacement = "Slice";
    }

    /** Slice end that stops {@code border} elements before the end (0 = up to the end). */
    private static long fromEnd(long border) {
      return border == 0 ? Long.MAX_VALUE : -border;
    }

    private static String input(Node n) {
      if (n.inputs().isEmpty() || n.input(0).isEmpty() || n.outputs().isEmpty()) {
        throw new ModelException(n, n.opType() + " needs one input and one output");
      }
      return n.input(0);
    }
  }
}
