package org.lowrank.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lowrank.analysis.InferredShapes;
import org.lowrank.analysis.ShapeInference;
import org.lowrank.graph.Graph;
import org.lowrank.graph.GraphValidator;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.ops.ConvAttributes;
import org.lowrank.ops.Elementwise;
import org.lowrank.ops.Shapes;

/**
 * Channel dependency analysis: which channels of a model must be pruned together. Every channel
 * (axis 1 of an NCHW tensor, the feature axis of a [N, F] matrix) is a unit; one walk in
 * topological order makes fresh units at producers (Conv, Gemm and MatMul outputs, the zero
 * channels of a channel Pad, model inputs) and merges units that must go together (residual Add,
 * Mul, Sub and other broadcasting ops; a depthwise conv's output follows its input). A unit goes
 * through channel-preserving ops (BatchNormalization, activations, pooling, Dropout), is placed at
 * an offset by a channel Concat or Pad, and after Flatten (or a Reshape to [N, C*H*W]) covers a
 * block of H*W features of the next Gemm. Consumers slice their weight columns; they never couple.
 *
 * <p>What the walk cannot follow (an unknown op, a grouped conv, a Slice or Shape on the channel
 * axis, a model input or output) marks the units it touches with a reason, and a group with any
 * such unit is unprunable: pruning is all or nothing per group, never a guess. Shapes and constant
 * operands come from {@link ShapeInference}.
 */
public final class ChannelDependencies {

  /**
   * Where a tensor's channels come from: its group, the group unit at each channel position, and
   * the block of features per unit along axis 1 (1, or H*W after Flatten).
   */
  public record Placement(int group, int[] units, int block) {
    /** The size of axis 1: units.length * block. */
    public long channels() {
      return (long) units.length * block;
    }
  }

  /** Ops whose output channel c depends only on input channel c, element by element or per map. */
  private static final Set<String> CHANNELWISE =
      java.util.stream.Stream.concat(
              Elementwise.UNARY.stream(),
              java.util.stream.Stream.of(
                  "Dropout",
                  "MaxPool",
                  "AveragePool",
                  "LpPool",
                  "GlobalAveragePool",
                  "GlobalMaxPool",
                  "GlobalLpPool",
                  "InstanceNormalization"))
          .collect(java.util.stream.Collectors.toUnmodifiableSet());

  /** Broadcasting ops whose channel-carrying operands are merged unit by unit. */
  private static final Set<String> BROADCAST =
      Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Pow");

  private final Model model;
  private final InferredShapes shapes;
  private final Map<String, Placement> placements = new LinkedHashMap<>();
  private final List<ChannelGroup> groups = new ArrayList<>();

  // union-find over units, with per-root reasons and per-unit filters
  private final List<Integer> parent = new ArrayList<>();
  private final Map<Integer, Set<String>> reasons = new HashMap<>();
  private final List<ChannelGroup.Filter> rawFilters = new ArrayList<>();
  private final Map<String, Chan> chans = new LinkedHashMap<>();
  private final Map<String, List<Node>> consumers;

  /** Channels of one tensor during the walk: global unit ids per position, block per unit. */
  private record Chan(int[] ids, int block) {
    long size() {
      return (long) ids.length * block;
    }
  }

  private ChannelDependencies(Model model, InferredShapes shapes) {
    this.model = model;
    this.shapes = shapes;
    this.consumers = model.graph().consumers();
  }

  /** Analyzes {@code model} with the shapes {@link ShapeInference} infers from its inputs. */
  public static ChannelDependencies analyze(Model model) {
    Model sorted = GraphValidator.validateAndSort(model);
    return analyze(sorted, ShapeInference.infer(sorted));
  }

  /** Analyzes {@code model} (topologically sorted) with already inferred {@code shapes}. */
  public static ChannelDependencies analyze(Model model, InferredShapes shapes) {
    ChannelDependencies d = new ChannelDependencies(model, shapes);
    d.walk();
    d.buildGroups();
    return d;
  }

  public Model model() {
    return model;
  }

  public InferredShapes shapes() {
    return shapes;
  }

  /** The channel groups, in graph order of their first tensor. */
  public List<ChannelGroup> groups() {
    return groups;
  }

  /** The prunable groups. */
  public List<ChannelGroup> prunableGroups() {
    return groups.stream().filter(ChannelGroup::prunable).toList();
  }

  /** The group of a tensor's channels, if it has any. */
  public Optional<Placement> placement(String tensor) {
    return Optional.ofNullable(placements.get(tensor));
  }

  /** The group a producer's output channels belong to (e.g. a Conv's filters), if any. */
  public Optional<ChannelGroup> groupOf(String producerNode) {
    return model
        .graph()
        .node(producerNode)
        .flatMap(n -> placement(n.output(0)))
        .map(p -> groups.get(p.group()));
  }

  // ---------------------------------------------------------------- the walk

  private int fresh(String reason) {
    int id = parent.size();
    parent.add(id);
    if (reason != null) {
      reasons.computeIfAbsent(id, k -> new LinkedHashSet<>()).add(reason);
    }
    return id;
  }

  private Chan freshChan(int count, String reason) {
    int[] ids = new int[count];
    for (int i = 0; i < count; i++) {
      ids[i] = fresh(reason);
    }
    return new Chan(ids, 1);
  }

  private int find(int u) {
    while (parent.get(u) != u) {
      parent.set(u, parent.get(parent.get(u)));
      u = parent.get(u);
    }
    return u;
  }

  private void union(int a, int b) {
    int ra = find(a);
    int rb = find(b);
    if (ra == rb) {
      return;
    }
    parent.set(rb, ra);
    Set<String> moved = reasons.remove(rb);
    if (moved != null) {
      reasons.computeIfAbsent(ra, k -> new LinkedHashSet<>()).addAll(moved);
    }
  }

  private void block(Chan c, String reason) {
    if (c != null) {
      for (int id : c.ids()) {
        reasons.computeIfAbsent(find(id), k -> new LinkedHashSet<>()).add(reason);
      }
    }
  }

  private long[] shape(String tensor) {
    return shapes.shape(tensor).orElse(null);
  }

  private Optional<TensorValue> constant(String tensor) {
    if (tensor.isEmpty()) {
      return Optional.empty();
    }
    Optional<TensorValue> init = model.graph().initializer(tensor);
    return init.isPresent() ? init : shapes.value(tensor);
  }

  private void walk() {
    Graph g = model.graph();
    for (ValueInfo in : g.runtimeInputs()) {
      long[] s = shape(in.name());
      if (s != null && s.length >= 2) {
        chans.put(
            in.name(),
            freshChan(Math.toIntExact(s[1]), "channels of the model input '" + in.name() + "'"));
      }
    }
    for (Node n : g.nodes()) {
      visit(n);
    }
    for (ValueInfo out : g.outputs()) {
      block(chans.get(out.name()), "reaches the model output '" + out.name() + "'");
    }
  }

  private void visit(Node n) {
    List<Chan> in = new ArrayList<>();
    boolean any = false;
    for (String i : n.inputs()) {
      Chan c = i.isEmpty() ? null : chans.get(i);
      in.add(c);
      any |= c != null;
    }
    String op = n.domain().isEmpty() || n.domain().equals("ai.onnx") ? n.opType() : "?";
    if (op.equals("Conv")) {
      conv(n, in);
    } else if (op.equals("Gemm") || op.equals("MatMul")) {
      dense(n, in);
    } else if (!any) {
      return; // constants and shape computations: no channels
    } else if (CHANNELWISE.contains(op) || op.equals("BatchNormalization")) {
      channelwise(n, in);
    } else if (BROADCAST.contains(op)) {
      broadcast(n, in);
    } else if (op.equals("Concat")) {
      concat(n, in);
    } else if (op.equals("Pad")) {
      pad(n, in);
    } else if (op.equals("Slice")) {
      slice(n, in);
    } else if (op.equals("Flatten") || op.equals("Reshape")) {
      flatten(n, in);
    } else if (op.equals("Squeeze") || op.equals("Unsqueeze")) {
      squeeze(n, in);
    } else if (op.equals("Shape") && shapeSkipsChannels(n)) {
      return; // e.g. the batch size read for a Reshape to [N, -1]
    } else {
      unknown(n, in, "the channel flow of " + n.label() + " is not modelled");
    }
  }

  private void unknown(Node n, List<Chan> in, String reason) {
    for (Chan c : in) {
      block(c, reason);
    }
    for (String o : n.outputs()) {
      long[] s = o.isEmpty() ? null : shape(o);
      if (s != null && s.length >= 2) {
        chans.put(o, freshChan(Math.toIntExact(s[1]), reason));
      }
    }
  }

  /** Puts {@code c} as the channels of output {@code o}, checking axis 1 has its size. */
  private void output(Node n, String o, Chan c) {
    long[] s = shape(o);
    if (s == null || s.length < 2 || s[1] != c.size()) {
      unknown(n, List.of(c), n.label() + ": output '" + o + "' does not keep the channel axis");
      return;
    }
    chans.put(o, c);
  }

  private void conv(Node n, List<Chan> in) {
    Chan x = in.get(0);
    String w = n.input(1);
    boolean constWeights =
        model.graph().initializer(w).isPresent()
            && (n.input(2).isEmpty() || model.graph().initializer(n.input(2)).isPresent());
    long[] ws = shape(w);
    long group = ConvAttributes.of(n).group();
    long[] ys = shape(n.output(0));
    if (!constWeights || ws == null || ys == null) {
      unknown(n, in, n.label() + ": weight or bias is not an initializer");
      return;
    }
    for (int i = 1; i < in.size(); i++) {
      if (in.get(i) != null) {
        unknown(n, in, n.label() + ": weight computed from the data");
        return;
      }
    }
    if (group == 1) {
      Chan y = new Chan(new int[Math.toIntExact(ys[1])], 1);
      for (int r = 0; r < y.ids().length; r++) {
        y.ids()[r] = fresh(null);
        rawFilters.add(new ChannelGroup.Filter(n.name(), y.ids()[r], r));
      }
      chans.put(n.output(0), y);
    } else if (x != null && x.block() == 1 && group == x.ids().length && ws[0] == group) {
      // depthwise, multiplier 1: output channel c is input channel c filtered
      output(n, n.output(0), x);
      for (int r = 0; r < x.ids().length; r++) {
        rawFilters.add(new ChannelGroup.Filter(n.name(), x.ids()[r], r));
      }
    } else {
      String reason =
          n.label() + ": grouped conv (group " + group + ") couples channels across groups";
      block(x, reason);
      chans.put(n.output(0), freshChan(Math.toIntExact(ys[1]), reason));
    }
  }

  private void dense(Node n, List<Chan> in) {
    long[] ys = shape(n.output(0));
    long[] bs = shape(n.input(1));
    boolean gemm = n.opType().equals("Gemm");
    boolean ok =
        ys != null
            && ys.length == 2
            && bs != null
            && bs.length == 2
            && model.graph().initializer(n.input(1)).isPresent()
            && in.size() >= 2
            && in.get(1) == null
            && (!gemm || n.attrLong("transA", 0) == 0)
            && (!gemm || n.input(2).isEmpty() || constant(n.input(2)).isPresent());
    if (!ok) {
      if (in.get(0) != null || (in.size() > 1 && in.get(1) != null)) {
        unknown(n, in, n.label() + ": only [N, K] x constant weight is pruned");
      }
      return;
    }
    Chan y = new Chan(new int[Math.toIntExact(ys[1])], 1);
    for (int r = 0; r < y.ids().length; r++) {
      y.ids()[r] = fresh(null);
      rawFilters.add(new ChannelGroup.Filter(n.name(), y.ids()[r], r));
    }
    chans.put(n.output(0), y);
  }

  private void channelwise(Node n, List<Chan> in) {
    for (int i = 1; i < in.size(); i++) {
      if (in.get(i) != null
          || (!n.input(i).isEmpty() && model.graph().initializer(n.input(i)).isEmpty())) {
        unknown(n, in, n.label() + ": parameter #" + i + " is not an initializer");
        return;
      }
    }
    output(n, n.output(0), in.get(0));
    for (int o = 1; o < n.outputs().size(); o++) {
      if (!n.output(o).isEmpty() && !n.opType().equals("Dropout")) {
        unknown(n, in, n.label() + ": extra output '" + n.output(o) + "'");
        return;
      }
    }
  }

  private void broadcast(Node n, List<Chan> in) {
    long[] ys = shape(n.output(0));
    if (ys == null || ys.length < 2) {
      unknown(n, in, n.label() + ": output without a channel axis");
      return;
    }
    Chan y = null;
    for (int i = 0; i < in.size(); i++) {
      Chan c = in.get(i);
      if (c != null && c.size() == ys[1] && shape(n.input(i)).length == ys.length) {
        if (y == null) {
          y = c;
        } else if (y.block() != c.block() || y.ids().length != c.ids().length) {
          unknown(n, in, n.label() + ": operands carry channels in different blocks");
          return;
        } else {
          for (int k = 0; k < c.ids().length; k++) {
            union(y.ids()[k], c.ids()[k]);
          }
        }
      } else if (c != null) {
        unknown(n, in, n.label() + ": operand #" + i + " is broadcast over the channels");
        return;
      } else if (!n.input(i).isEmpty()) {
        long[] s = shape(n.input(i));
        int axis = s == null ? -1 : s.length - (ys.length - 1);
        if (axis >= 0 && s[axis] == ys[1] && ys[1] > 1 && constant(n.input(i)).isEmpty()) {
          unknown(n, in, n.label() + ": operand #" + i + " has channels of unknown origin");
          return;
        }
      }
    }
    if (y == null) {
      unknown(n, in, n.label() + ": no operand carries the output channels");
      return;
    }
    output(n, n.output(0), y);
  }

  private void concat(Node n, List<Chan> in) {
    long[] ys = shape(n.output(0));
    int axis = ys == null ? -1 : Shapes.axis(n, n.attrLong("axis", 0), ys.length, "axis");
    if (axis != 1) {
      unknown(n, in, n.label() + ": Concat on axis " + axis + ", not the channel axis");
      return;
    }
    List<Integer> ids = new ArrayList<>();
    int blk = -1;
    for (int i = 0; i < in.size(); i++) {
      Chan c = in.get(i);
      if (c == null || (blk >= 0 && c.block() != blk)) {
        unknown(n, in, n.label() + ": operand #" + i + " of the channel Concat has no groups");
        return;
      }
      blk = c.block();
      for (int id : c.ids()) {
        ids.add(id);
      }
    }
    output(n, n.output(0), new Chan(ids.stream().mapToInt(Integer::intValue).toArray(), blk));
  }

  /** Channel pads of a Pad node, {before, after}, or null when not a constant-mode known pad. */
  long[] channelPads(Node n) {
    long[] pads;
    if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
      pads = constant(n.input(1)).map(TensorValue::toLongArray).orElse(null);
    } else {
      pads = n.attrLongs("pads", null);
    }
    long[] xs = shape(n.input(0));
    if (pads == null || xs == null || pads.length != 2 * xs.length) {
      return null;
    }
    if (n.inputs().size() > 3 && !n.input(3).isEmpty()) {
      return null; // axes input (opset 18): not modelled
    }
    return new long[] {pads[1], pads[1 + xs.length]};
  }

  private void pad(Node n, List<Chan> in) {
    Chan x = in.get(0);
    long[] p = channelPads(n);
    if (p == null
        || x == null
        || in.size() > 1 && in.subList(1, in.size()).stream().anyMatch(c -> c != null)) {
      unknown(n, in, n.label() + ": pads are not known constants");
      return;
    }
    if (p[0] == 0 && p[1] == 0) {
      output(n, n.output(0), x);
      return;
    }
    if (p[0] < 0
        || p[1] < 0
        || x.block() != 1
        || !n.attrString("mode", "constant").equals("constant")) {
      unknown(n, in, n.label() + ": crops or non-constant pads on the channel axis");
      return;
    }
    int[] ids = new int[Math.toIntExact(p[0] + x.ids().length + p[1])];
    for (int i = 0; i < ids.length; i++) {
      boolean inside = i >= p[0] && i < p[0] + x.ids().length;
      ids[i] = inside ? x.ids()[(int) (i - p[0])] : fresh(null);
    }
    output(n, n.output(0), new Chan(ids, 1));
  }

  private void slice(Node n, List<Chan> in) {
    Chan x = in.get(0);
    long[] xs = shape(n.input(0));
    long[] ys = shape(n.output(0));
    long[] axes = null;
    if (n.inputs().size() > 3 && !n.input(3).isEmpty()) {
      axes = constant(n.input(3)).map(TensorValue::toLongArray).orElse(null);
    } else if (n.inputs().size() == 1) {
      axes = n.attrLongs("axes", null);
    } else if (xs != null) {
      long count = constant(n.input(1)).map(TensorValue::elementCount).orElse(-1L);
      axes = count < 0 ? null : new long[(int) count];
      for (int i = 0; axes != null && i < axes.length; i++) {
        axes[i] = i;
      }
    }
    boolean ok = axes != null && xs != null && ys != null;
    for (int i = 0; ok && i < axes.length; i++) {
      ok = Shapes.axis(n, axes[i], xs.length, "axes") > 1;
    }
    if (!ok || in.subList(1, in.size()).stream().anyMatch(c -> c != null)) {
      unknown(n, in, n.label() + ": Slice on the channel axis (or unknown axes)");
      return;
    }
    output(n, n.output(0), x);
  }

  private void flatten(Node n, List<Chan> in) {
    Chan x = in.get(0);
    long[] xs = shape(n.input(0));
    long[] ys = shape(n.output(0));
    if (in.size() > 1 && in.get(1) != null || xs == null || ys == null || xs.length < 2) {
      unknown(n, in, n.label() + ": reshape of the channels not modelled");
      return;
    }
    if (ys.length == 2 && ys[0] == xs[0] && xs.length > 2) {
      long spatial = Shapes.product(xs, 2, xs.length);
      output(n, n.output(0), new Chan(x.ids(), Math.toIntExact(x.block() * spatial)));
    } else if (ys.length >= 2 && ys[0] == xs[0] && ys[1] == xs[1]) {
      output(n, n.output(0), x);
    } else {
      unknown(
          n,
          in,
          n.label()
              + ": reshape "
              + Shapes.str(xs)
              + " -> "
              + Shapes.str(ys)
              + " mixes the channel axis");
    }
  }

  /**
   * True when the Shape's result is read only by Gathers of other axes than the channel axis (the
   * batch size of an exported flatten), so it does not change when channels are removed.
   */
  private boolean shapeSkipsChannels(Node n) {
    long[] xs = shape(n.input(0));
    if (xs == null || n.hasAttribute("start") || n.hasAttribute("end")) {
      return false;
    }
    List<Node> readers = consumers.getOrDefault(n.output(0), List.of());
    if (readers.isEmpty()) {
      return true;
    }
    for (Node r : readers) {
      Optional<TensorValue> idx = constant(r.input(1));
      if (!r.opType().equals("Gather") || r.attrLong("axis", 0) != 0 || idx.isEmpty()) {
        return false;
      }
      for (long i : idx.get().toLongArray()) {
        if (i == 1 || i == 1 - xs.length) {
          return false;
        }
      }
    }
    return true;
  }

  private void squeeze(Node n, List<Chan> in) {
    long[] xs = shape(n.input(0));
    long[] ys = shape(n.output(0));
    if (xs != null
        && ys != null
        && xs.length >= 2
        && ys.length >= 2
        && xs[0] == ys[0]
        && xs[1] == ys[1]
        && in.subList(1, in.size()).stream().allMatch(c -> c == null)) {
      output(n, n.output(0), in.get(0));
    } else {
      unknown(n, in, n.label() + ": squeeze moves the channel axis");
    }
  }

  // ---------------------------------------------------------------- groups

  private void buildGroups() {
    // units that share a tensor belong to one group: a second union-find over unit roots
    Map<Integer, Integer> groupParent = new HashMap<>();
    chans.values().removeIf(c -> c.ids().length == 0);
    for (Chan c : chans.values()) {
      int first = find(c.ids()[0]);
      groupParent.putIfAbsent(first, first);
      for (int id : c.ids()) {
        int r = find(id);
        groupParent.putIfAbsent(r, r);
        unionRoots(groupParent, first, r);
      }
    }
    Map<Integer, Integer> groupIndex = new LinkedHashMap<>();
    Map<Integer, Map<Integer, Integer>> unitIndex = new HashMap<>();
    List<Map<String, int[]>> tensors = new ArrayList<>();
    for (Map.Entry<String, Chan> e : chans.entrySet()) {
      Chan c = e.getValue();
      int gr = rootOf(groupParent, find(c.ids()[0]));
      Integer gi = groupIndex.get(gr);
      if (gi == null) {
        gi = groupIndex.size();
        groupIndex.put(gr, gi);
        unitIndex.put(gi, new LinkedHashMap<>());
        tensors.add(new LinkedHashMap<>());
      }
      Map<Integer, Integer> units = unitIndex.get(gi);
      int[] pos = new int[c.ids().length];
      for (int k = 0; k < pos.length; k++) {
        int root = find(c.ids()[k]);
        Integer u = units.get(root);
        if (u == null) {
          u = units.size();
          units.put(root, u);
        }
        pos[k] = u;
      }
      tensors.get(gi).put(e.getKey(), pos);
      placements.put(e.getKey(), new Placement(gi, pos, c.block()));
    }
    for (int gi = 0; gi < tensors.size(); gi++) {
      Map<Integer, Integer> units = unitIndex.get(gi);
      Set<String> why = new LinkedHashSet<>();
      for (int root : units.keySet()) {
        why.addAll(reasons.getOrDefault(root, Set.of()));
      }
      List<ChannelGroup.Filter> filters = new ArrayList<>();
      for (ChannelGroup.Filter f : rawFilters) {
        Integer u = units.get(find(f.unit()));
        if (u != null) {
          filters.add(new ChannelGroup.Filter(f.node(), u, f.row()));
        }
      }
      groups.add(new ChannelGroup(gi, units.size(), tensors.get(gi), filters, List.copyOf(why)));
    }
  }

  private static int rootOf(Map<Integer, Integer> p, int x) {
    while (p.get(x) != x) {
      x = p.get(x);
    }
    return x;
  }

  private static void unionRoots(Map<Integer, Integer> p, int a, int b) {
    int ra = rootOf(p, a);
    int rb = rootOf(p, b);
    if (ra != rb) {
      p.put(rb, ra);
    }
  }

  @Override
  public String toString() {
    return "ChannelDependencies"
        + Arrays.toString(groups.stream().map(ChannelGroup::label).toArray());
  }
}
