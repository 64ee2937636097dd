package org.lowrank.analysis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lowrank.graph.Graph;
import org.lowrank.graph.GraphValidator;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.TopologicalOrder;
import org.lowrank.graph.ValueInfo;
import org.lowrank.ops.ConstantOps;
import org.lowrank.ops.Shapes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds constants into initializers so that every Conv/Gemm/MatMul weight is a known initializer:
 * {@code Constant} nodes become initializers, and the ops of {@link ConstantOps} whose inputs are
 * all constant (Reshape/Transpose/Unsqueeze/Squeeze/Identity/Cast/... of initializers, shape
 * arithmetic) are evaluated and replaced by their result. Initializers that only fed folded nodes
 * are dropped (with their graph input, for models that list initializers as inputs); the rest of
 * the graph is untouched. The graph is validated and sorted first. Initializers are treated as
 * constants even when a graph input of the same name could override them.
 *
 * <p>In: a model as read. Out: an equivalent model with fewer nodes. Next: shape inference and the
 * profile, or a rewrite.
 */
public final class WeightFolding {
  private static final Logger LOG = LoggerFactory.getLogger(WeightFolding.class);

  /** Folded results larger than this many elements are left as nodes. */
  public static final long MAX_FOLDED_ELEMENTS = ConstantOps.MAX_RESULT_ELEMENTS;

  private WeightFolding() {}

  /** The folded model (the same instance when nothing folds). */
  public static Model fold(Model model) {
    Model sorted = GraphValidator.validateAndSort(model);
    Graph g = sorted.graph();
    long opset = model.opset();
    Map<String, TensorValue> known = new LinkedHashMap<>(g.initializers());
    Set<String> graphOutputs = new HashSet<>();
    g.outputs().forEach(v -> graphOutputs.add(v.name()));
    Map<String, TensorValue> added = new LinkedHashMap<>();
    List<Node> kept = new ArrayList<>();
    int folded = 0;
    for (Node n : g.nodes()) {
      Optional<TensorValue> v;
      try {
        v = foldable(n, known, graphOutputs, opset);
      } catch (ModelException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new ModelException(n, "malformed node: " + e.getMessage(), e);
      }
      if (v.isPresent()) {
        known.put(n.output(0), v.get());
        added.put(n.output(0), v.get());
        folded++;
      } else {
        kept.add(n);
      }
    }
    if (folded == 0) {
      return sorted;
    }
    Set<String> used = new HashSet<>(graphOutputs);
    for (Node n : kept) {
      used.addAll(TopologicalOrder.dependencies(n));
    }
    Graph.Builder b = g.toBuilder().nodes(kept);
    Map<String, List<Node>> consumers = g.consumers();
    Map<String, TensorValue> inits = new LinkedHashMap<>();
    for (Map.Entry<String, TensorValue> e : known.entrySet()) {
      String name = e.getKey();
      boolean unusedBefore = g.initializers().containsKey(name) && !consumers.containsKey(name);
      if (used.contains(name) || unusedBefore) {
        inits.put(name, e.getValue());
      }
    }
    b.initializers(inits);
    // graph inputs that only gave an initializer a default (keep_initializers_as_inputs) go with it
    List<ValueInfo> ins = new ArrayList<>();
    Set<String> inputNames = new HashSet<>();
    for (ValueInfo v : g.inputs()) {
      if (!g.initializers().containsKey(v.name()) || inits.containsKey(v.name())) {
        ins.add(v);
        inputNames.add(v.name());
      }
    }
    if (sorted.irVersion() < 4) {
      // old IR: every initializer must also be a graph input
      for (Map.Entry<String, TensorValue> e : added.entrySet()) {
        if (inits.containsKey(e.getKey()) && !inputNames.contains(e.getKey())) {
          ins.add(ValueInfo.of(e.getKey(), e.getValue().dataType(), e.getValue().dims()));
        }
      }
    }
    b.inputs(ins);
    LOG.debug("folded {} constant nodes into initializers", folded);
    return sorted.withGraph(b.build());
  }

  private static Optional<TensorValue> foldable(
      Node n, Map<String, TensorValue> known, Set<String> graphOutputs, long opset) {
    if (!ConstantOps.supports(n.opType())
        || !(n.domain().isEmpty() || n.domain().equals("ai.onnx"))
        || n.outputs().size() != 1
        || graphOutputs.contains(n.output(0))) {
      return Optional.empty();
    }
    List<TensorValue> ins = new ArrayList<>();
    for (String in : n.inputs()) {
      if (in.isEmpty()) {
        ins.add(null);
        continue;
      }
      TensorValue t = known.get(in);
      if (t == null) {
        return Optional.empty();
      }
      ins.add(t);
    }
    if (!n.opType().equals("Constant") && !n.opType().equals("Range") && ins.isEmpty()) {
      return Optional.empty();
    }
    if (n.opType().equals("Constant")) {
      try {
        return Optional.of(ConstantOps.constantValue(n));
      } catch (UnsupportedOperationException e) {
        return Optional.empty();
      }
    }
    if (tooLarge(n, ins)) {
      return Optional.empty();
    }
    return ConstantOps.evaluate(n, ins, opset);
  }

  /** Guards ops whose output size comes from an input value (ConstantOfShape, Expand, Range). */
  private static boolean tooLarge(Node n, List<TensorValue> ins) {
    try {
      return switch (n.opType()) {
        case "ConstantOfShape" -> Shapes.product(ins.get(0).toLongArray()) > MAX_FOLDED_ELEMENTS;
        case "Expand" ->
            ins.size() < 2
                || ins.get(1) == null
                || Shapes.product(max(ins.get(0).dims(), ins.get(1).toLongArray()))
                    > MAX_FOLDED_ELEMENTS;
        case "Range" -> true; // sizes from float arithmetic: left to the runtime
        default -> false;
      };
    } catch (ArithmeticException e) {
      return true;
    }
  }

  private static long[] max(long[] a, long[] b) {
    int r = Math.max(a.length, b.length);
    long[] out = new long[r];
    for (int i = 0; i < r; i++) {
      long x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
      long y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
      out[i] = Math.max(Math.abs(x), Math.abs(y));
    }
    return out;
  }
}
