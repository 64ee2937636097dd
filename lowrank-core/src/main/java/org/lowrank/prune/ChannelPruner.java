package org.lowrank.prune;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.ops.ConvAttributes;

/**
 * The pruning rewrite: removes the selected channels of their groups from every tensor and emits a
 * valid smaller model. Producers lose weight rows (Conv filters, Gemm output columns) and bias
 * entries, BatchNormalization its four parameters, constant operands of broadcasting ops their
 * channel entries, consumers their weight input columns (a block of H*W columns per channel after
 * Flatten), a depthwise conv its group count, a channel Pad its pad counts and a Reshape to [N,
 * C*H*W] its target. No node is added or removed and the input model is not changed; sliced weights
 * get fresh initializer names and the value infos are dropped (shapes changed).
 *
 * <p>Fact the tests check: the pruned model computes exactly what the original computes with the
 * removed channels' consumer weights set to zero ({@link #maskConsumers}).
 */
public final class ChannelPruner {
  private final ChannelDependencies deps;
  private final PruneSelection selection;
  private final Graph graph;
  private final Map<String, TensorValue> newInits = new LinkedHashMap<>();
  private final Map<String, double[]> means;

  private ChannelPruner(
      ChannelDependencies deps, PruneSelection selection, Map<String, double[]> means) {
    this.deps = deps;
    this.selection = selection;
    this.means = Map.copyOf(means);
    this.graph = deps.model().graph();
  }

  /**
   * The model of {@code deps} with the channels of {@code selection} removed.
   *
   * @throws IllegalArgumentException when the selection names an unprunable group or removes every
   *     channel of a tensor (see {@link PruneSelection#validate})
   */
  public static Model prune(ChannelDependencies deps, PruneSelection selection) {
    selection.validate(deps);
    if (selection.isEmpty()) {
      return deps.model();
    }
    return new ChannelPruner(deps, selection, Map.of()).rewrite();
  }

  /**
   * Like {@link #prune(ChannelDependencies, PruneSelection)}, with mean compensation: every Conv
   * (ungrouped) or plain Gemm consumer adds the mean contribution of its removed input channels to
   * its bias (one is created when absent), so a removed channel costs only its deviation from the
   * mean.
   *
   * @param channelMeans per consumer input tensor, the mean of each position of axis 1 on
   *     calibration data ({@link FeatureMapContribution#channelMeans})
   */
  public static Model prune(
      ChannelDependencies deps, PruneSelection selection, Map<String, double[]> channelMeans) {
    selection.validate(deps);
    if (selection.isEmpty()) {
      return deps.model();
    }
    return new ChannelPruner(deps, selection, channelMeans).rewrite();
  }

  /**
   * The original model with every consumer weight column that reads a selected channel set to zero
   * (Conv input channels, Gemm/MatMul rows): what the pruned model must compute.
   */
  public static Model maskConsumers(ChannelDependencies deps, PruneSelection selection) {
    selection.validate(deps);
    ChannelPruner p = new ChannelPruner(deps, selection, Map.of());
    Graph.Builder b = p.graph.toBuilder();
    for (Node n : p.graph.nodes()) {
      Optional<int[]> gone = p.removed(n.input(0));
      if (gone.isEmpty()) {
        continue;
      }
      String w = n.input(1);
      if (n.opType().equals("Conv") && ConvAttributes.of(n).group() == 1) {
        b.putInitializer(w, Slicing.zero(p.init(w), 1, gone.get()));
      } else if (n.opType().equals("Gemm") || n.opType().equals("MatMul")) {
        int axis = n.opType().equals("Gemm") && n.attrLong("transB", 0) == 1 ? 1 : 0;
        b.putInitializer(w, Slicing.zero(p.init(w), axis, gone.get()));
      }
    }
    return deps.model().withGraph(b.build());
  }

  private TensorValue init(String name) {
    return graph.initializer(name).orElseThrow();
  }

  /** Kept positions along axis 1 of {@code tensor} (block-expanded), empty when unchanged. */
  private Optional<int[]> kept(String tensor) {
    return deps.placement(tensor).flatMap(p -> positions(p, true));
  }

  /** Removed positions along axis 1 of {@code tensor} (block-expanded), empty when none. */
  private Optional<int[]> removed(String tensor) {
    return deps.placement(tensor).flatMap(p -> positions(p, false));
  }

  private Optional<int[]> positions(ChannelDependencies.Placement p, boolean keep) {
    if (selection.removedCount(p.group()) == 0) {
      return Optional.empty();
    }
    List<Integer> out = new ArrayList<>();
    boolean changed = false;
    for (int k = 0; k < p.units().length; k++) {
      boolean gone = selection.isRemoved(p.group(), p.units()[k]);
      changed |= gone;
      if (gone != keep) {
        for (int j = 0; j < p.block(); j++) {
          out.add(k * p.block() + j);
        }
      }
    }
    return changed
        ? Optional.of(out.stream().mapToInt(Integer::intValue).toArray())
        : Optional.empty();
  }

  private Model rewrite() {
    List<Node> nodes = new ArrayList<>();
    for (Node n : graph.nodes()) {
      nodes.add(rewrite(n));
    }
    Graph.Builder b = graph.toBuilder().nodes(nodes).valueInfos(List.of());
    newInits.forEach(b::putInitializer);
    Set<String> used = new HashSet<>();
    nodes.forEach(n -> used.addAll(n.inputs()));
    graph.outputs().forEach(v -> used.add(v.name()));
    for (String name : graph.initializers().keySet()) {
      if (!used.contains(name)) {
        b.removeInitializer(name);
      }
    }
    Set<String> inits = b.build().initializers().keySet();
    return deps.model()
        .withGraph(
            b.inputs(
                    graph.inputs().stream()
                        .filter(
                            v ->
                                !graph.initializers().containsKey(v.name())
                                    || inits.contains(v.name()))
                        .toList())
                .build());
  }

  private Node rewrite(Node n) {
    Optional<int[]> out = n.outputs().isEmpty() ? Optional.empty() : kept(n.output(0));
    Optional<int[]> in = n.inputs().isEmpty() ? Optional.empty() : kept(n.input(0));
    if (out.isEmpty() && in.isEmpty()) {
      return n;
    }
    Node.Builder b = n.toBuilder();
    switch (n.opType()) {
      case "Conv" -> conv(n, b, in, out);
      case "Gemm", "MatMul" -> dense(n, b, in, out);
      case "BatchNormalization" -> {
        for (int i = 1; i <= 4; i++) {
          slice(n, b, i, 0, out.orElseThrow());
        }
      }
      case "Pad" -> pad(n, b);
      case "Reshape" -> reshape(n, b, out);
      default -> {
        if (out.isPresent()) {
          broadcastOperands(n, b, out.get());
        }
      }
    }
    return b.build();
  }

  private void conv(Node n, Node.Builder b, Optional<int[]> in, Optional<int[]> out) {
    TensorValue weight = init(n.input(1));
    boolean depthwise = ConvAttributes.of(n).group() > 1;
    TensorValue bias = n.input(2).isEmpty() ? null : init(n.input(2));
    boolean biasChanged = false;
    if (!depthwise) {
      TensorValue compensated = compensate(n, weight, 1, bias);
      biasChanged = compensated != bias;
      bias = compensated;
    }
    if (out.isPresent()) {
      weight = Slicing.take(weight, 0, out.get());
      if (bias != null) {
        bias = Slicing.take(bias, 0, out.get());
        biasChanged = true;
      }
      if (depthwise) {
        b.attr("group", (long) out.get().length);
      }
    }
    if (in.isPresent() && !depthwise) {
      weight = Slicing.take(weight, 1, in.get());
    }
    replace(n, b, 1, weight);
    if (biasChanged) {
      replace(n, b, 2, bias);
    }
  }

  private void dense(Node n, Node.Builder b, Optional<int[]> in, Optional<int[]> out) {
    boolean gemm = n.opType().equals("Gemm");
    boolean transB = gemm && n.attrLong("transB", 0) == 1;
    TensorValue weight = init(n.input(1));
    String c = n.input(2);
    TensorValue bias =
        !gemm || c.isEmpty()
            ? null
            : deps.shapes().value(c).or(() -> graph.initializer(c)).orElseThrow();
    boolean biasChanged = false;
    boolean plain = n.attrFloat("alpha", 1f) == 1f && n.attrFloat("beta", 1f) == 1f;
    if (gemm && plain && (bias == null || bias.rank() == 1)) {
      TensorValue compensated = compensate(n, weight, transB ? 1 : 0, bias);
      biasChanged = compensated != bias;
      bias = compensated;
    }
    if (in.isPresent()) {
      weight = Slicing.take(weight, transB ? 1 : 0, in.get());
    }
    if (out.isPresent()) {
      weight = Slicing.take(weight, transB ? 0 : 1, out.get());
      if (bias != null && bias.rank() > 0 && bias.dim(bias.rank() - 1) > 1) {
        bias = Slicing.take(bias, bias.rank() - 1, out.get());
        biasChanged = true;
      }
    }
    replace(n, b, 1, weight);
    if (biasChanged) {
      replace(n, b, 2, bias);
    }
  }

  /**
   * The consumer's bias plus the mean contribution of its removed input channels, b'[o] = b[o] +
   * sum over removed c of mean(x_c) sum_k W[o, c, k] ({@code inAxis} is the weight's input axis);
   * {@code bias} itself when there is nothing to compensate. Exact for constant channels (a dead
   * filter after ReLU) away from zero-padded borders.
   */
  private TensorValue compensate(Node n, TensorValue weight, int inAxis, TensorValue bias) {
    double[] mu = means.get(n.input(0));
    Optional<int[]> gone = removed(n.input(0));
    if (mu == null || gone.isEmpty()) {
      return bias;
    }
    long[] d = weight.dims();
    int outAxis = 1 - inAxis;
    int cout = (int) d[outAxis];
    int cin = (int) d[inAxis];
    int inner = 1;
    for (int i = 2; i < d.length; i++) {
      inner *= (int) d[i];
    }
    double[] add = new double[cout];
    for (int o = 0; o < cout; o++) {
      for (int c : gone.get()) {
        double sum = 0;
        for (int k = 0; k < inner; k++) {
          int idx = inAxis == 1 ? (o * cin + c) * inner + k : c * cout + o;
          sum += weight.doubleAt(idx);
        }
        add[o] += mu[c] * sum;
      }
    }
    float[] out = new float[cout];
    for (int o = 0; o < cout; o++) {
      out[o] = (float) ((bias == null ? 0 : bias.doubleAt(o)) + add[o]);
    }
    return TensorValue.ofFloats(new long[] {cout}, out);
  }

  /** Slices the constant operands of a broadcasting op that carry the output's channels. */
  private void broadcastOperands(Node n, Node.Builder b, int[] keep) {
    long[] ys = deps.shapes().require(n.output(0));
    for (int i = 0; i < n.inputs().size(); i++) {
      String name = n.input(i);
      if (name.isEmpty() || deps.placement(name).isPresent()) {
        continue;
      }
      Optional<TensorValue> v = graph.initializer(name).or(() -> deps.shapes().value(name));
      if (v.isEmpty()) {
        continue;
      }
      int axis = v.get().rank() - (ys.length - 1);
      if (axis >= 0 && v.get().dim(axis) == ys[1] && ys[1] > 1) {
        replace(n, b, i, Slicing.take(v.get(), axis, keep));
      }
    }
  }

  private void pad(Node n, Node.Builder b) {
    long[] p = deps.channelPads(n);
    ChannelDependencies.Placement y = deps.placement(n.output(0)).orElseThrow();
    int inside = y.units().length - (int) (p[0] + p[1]);
    long before = 0;
    long after = 0;
    for (int k = 0; k < y.units().length; k++) {
      boolean gone = selection.isRemoved(y.group(), y.units()[k]);
      if (!gone && k < p[0]) {
        before++;
      } else if (!gone && k >= p[0] + inside) {
        after++;
      }
    }
    int rank = deps.shapes().require(n.input(0)).length;
    if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
      long[] pads =
          deps.shapes()
              .value(n.input(1))
              .or(() -> graph.initializer(n.input(1)))
              .orElseThrow()
              .toLongArray();
      pads[1] = before;
      pads[1 + rank] = after;
      replace(n, b, 1, TensorValue.ofLongs(new long[] {pads.length}, pads));
    } else {
      long[] pads = n.attrLongs("pads", null);
      pads[1] = before;
      pads[1 + rank] = after;
      b.attrInts("pads", pads);
    }
  }

  private void reshape(Node n, Node.Builder b, Optional<int[]> out) {
    if (out.isEmpty() || n.inputs().size() < 2) {
      return;
    }
    long[] target =
        deps.shapes()
            .value(n.input(1))
            .or(() -> graph.initializer(n.input(1)))
            .orElseThrow()
            .toLongArray();
    if (target.length > 1 && target[1] > 0) {
      target[1] = out.get().length;
      replace(n, b, 1, TensorValue.ofLongs(new long[] {target.length}, target));
    }
  }

  private void slice(Node n, Node.Builder b, int input, int axis, int[] keep) {
    String name = n.input(input);
    TensorValue v = graph.initializer(name).orElseThrow();
    replace(n, b, input, Slicing.take(v, axis, keep));
  }

  /** Sets input {@code i} of the node to a new initializer holding {@code value}. */
  private void replace(Node n, Node.Builder b, int i, TensorValue value) {
    String base = (n.name().isEmpty() ? n.input(i) : n.name()) + ".pruned." + i;
    String name = base;
    for (int k = 1; graph.initializers().containsKey(name) || newInits.containsKey(name); k++) {
      name = base + "_" + k;
    }
    newInits.put(name, value);
    // the builder's inputs, so that earlier replacements in this node are kept
    List<String> inputs = new ArrayList<>(b.build().inputs());
    while (inputs.size() <= i) {
      inputs.add("");
    }
    inputs.set(i, name);
    b.inputs(inputs);
  }
}
