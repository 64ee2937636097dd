package org.lowrank.rewrite;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/**
 * Replaces one node of a graph by a chain of new nodes and initializers whose names start with a
 * prefix and never collide with existing names; then drops constants nobody reads any more
 * (package-private).
 */
final class GraphEdit {
  private final Model model;
  private final Graph graph;
  private final Node target;
  private final String prefix;
  private final Set<String> used = new HashSet<>();
  private final List<Node> chain = new ArrayList<>();
  private final Map<String, TensorValue> constants = new LinkedHashMap<>();

  GraphEdit(Model model, Node target, String prefix) {
    this.model = model;
    this.graph = model.graph();
    this.target = target;
    this.prefix = prefix;
    for (Node n : graph.nodes()) {
      used.add(n.name());
      used.addAll(n.inputs());
      used.addAll(n.outputs());
    }
    used.addAll(graph.initializers().keySet());
    graph.inputs().forEach(v -> used.add(v.name()));
    graph.outputs().forEach(v -> used.add(v.name()));
    graph.valueInfos().forEach(v -> used.add(v.name()));
  }

  long opset() {
    return model.opset();
  }

  /** A fresh name {@code prefix/suffix}, with a numeric tail if taken. */
  String fresh(String suffix) {
    String base = prefix + "/" + suffix;
    String name = base;
    for (int i = 2; used.contains(name); i++) {
      name = base + "_" + i;
    }
    used.add(name);
    return name;
  }

  /** Adds a float or int64 initializer named {@code prefix/suffix}; returns its name. */
  String constant(String suffix, TensorValue value) {
    String name = fresh(suffix);
    constants.put(name, value);
    return name;
  }

  /** An INT64 1-D constant (shapes, axes). */
  String longs(String suffix, long... values) {
    return constant(suffix, TensorValue.ofLongs(new long[] {values.length}, values));
  }

  /**
   * Adds a node {@code prefix/suffix}; its output is {@code output}, or a fresh {@code
   * prefix/suffix.out} when null. Returns the output name.
   */
  String node(String suffix, Node.Builder b, String output) {
    String name = fresh(suffix);
    String out = output != null ? output : fresh(suffix + ".out");
    chain.add(b.name(name).outputs(out).docString("lowrank rewrite of " + target.label()).build());
    return out;
  }

  /**
   * The new model: the target replaced in place by the chain, new initializers added (also as graph
   * inputs for IR version < 4), constants read only by the target removed.
   */
  Model apply() {
    Graph.Builder gb = graph.toBuilder();
    List<Node> nodes = new ArrayList<>();
    for (Node n : graph.nodes()) {
      if (n == target) {
        nodes.addAll(chain);
      } else {
        nodes.add(n);
      }
    }
    gb.nodes(nodes);
    constants.forEach(gb::putInitializer);
    boolean initializersAreInputs = model.irVersion() < 4;
    if (initializersAreInputs) {
      constants.forEach((n, t) -> gb.addInput(ValueInfo.of(n, t.dataType(), t.dims())));
    }
    Graph g = pruneUnused(gb.build(), new HashSet<>(target.inputs()));
    return model.withGraph(g);
  }

  /**
   * Removes initializers, {@code Constant}/{@code Identity} producers and initializer-inputs among
   * {@code candidates} (and, transitively, their inputs) that no node reads and no output names.
   */
  static Graph pruneUnused(Graph g, Set<String> candidates) {
    Deque<String> work = new ArrayDeque<>(candidates);
    Graph cur = g;
    while (!work.isEmpty()) {
      String name = work.pop();
      if (name.isEmpty() || cur.consumers().containsKey(name) || isOutput(cur, name)) {
        continue;
      }
      Graph.Builder b = cur.toBuilder();
      boolean changed = false;
      if (cur.initializers().containsKey(name)) {
        b.removeInitializer(name);
        List<ValueInfo> ins = new ArrayList<>(cur.inputs());
        ins.removeIf(v -> v.name().equals(name));
        b.inputs(ins);
        changed = true;
      }
      Node producer = cur.producers().get(name);
      if (producer != null
          && (producer.opType().equals("Constant") || producer.opType().equals("Identity"))
          && producer.outputs().size() == 1) {
        List<Node> ns = new ArrayList<>(cur.nodes());
        ns.remove(producer);
        b.nodes(ns);
        work.addAll(producer.inputs());
        changed = true;
      }
      if (changed) {
        List<ValueInfo> vis = new ArrayList<>(cur.valueInfos());
        vis.removeIf(v -> v.name().equals(name));
        b.valueInfos(vis);
        cur = b.build();
      }
    }
    return cur;
  }

  private static boolean isOutput(Graph g, String name) {
    return g.outputs().stream().anyMatch(v -> v.name().equals(name));
  }

  static ValueInfo floatInfo(String name, long... dims) {
    return ValueInfo.of(name, DataType.FLOAT, dims);
  }
}
