package org.lowrank.graph;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Structural checks of a graph, each failing with a {@link ModelException} that names the node:
 * every value is defined once (no two nodes, initializers or inputs share a name), every node input
 * is defined (a graph input, an initializer, a node output, or an outer-scope value of an enclosing
 * graph), every graph output is defined, and the nodes form no cycle. {@link #validateAndSort} also
 * puts the nodes into topological order.
 */
public final class GraphValidator {
  private GraphValidator() {}

  /** Checks the graph; throws a {@link ModelException} at the first problem. */
  public static void validate(Graph g) {
    check(g, Set.of(), "graph");
    TopologicalOrder.sort(g);
  }

  /** Checks the model's graph and returns the model with topologically sorted nodes. */
  public static Model validateAndSort(Model m) {
    check(m.graph(), Set.of(), "graph");
    Graph sorted = TopologicalOrder.sorted(m.graph());
    return sorted == m.graph() ? m : m.withGraph(sorted);
  }

  private static void check(Graph g, Set<String> outer, String where) {
    Map<String, String> definedBy = new HashMap<>();
    for (ValueInfo v : g.inputs()) {
      if (definedBy.containsKey(v.name()) && !g.initializers().containsKey(v.name())) {
        throw new ModelException(where + ": input '" + v.name() + "' is listed twice");
      }
      definedBy.put(v.name(), "graph input");
    }
    for (String init : g.initializers().keySet()) {
      definedBy.putIfAbsent(init, "initializer");
    }
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        if (o.isEmpty()) {
          continue;
        }
        String prev = definedBy.put(o, "node " + n.label());
        if (prev != null) {
          throw new ModelException(
              n,
              "output '"
                  + o
                  + "' is already defined by "
                  + prev
                  + "; every value must have one"
                  + " producer (SSA form)");
        }
      }
    }
    Set<String> visible = new HashSet<>(outer);
    visible.addAll(definedBy.keySet());
    for (Node n : g.nodes()) {
      for (String in : n.inputs()) {
        if (!in.isEmpty() && !visible.contains(in)) {
          throw new ModelException(
              n,
              "input '"
                  + in
                  + "' is not produced by any node and is neither a graph input nor"
                  + " an initializer (missing weight or dangling edge)");
        }
      }
      for (Attribute a : n.attributes().values()) {
        if (a.kind() == Attribute.Kind.GRAPH) {
          check(a.asGraph(), visible, "subgraph '" + a.name() + "' of node " + n.label());
        } else if (a.kind() == Attribute.Kind.GRAPHS) {
          for (Object o : (java.util.List<?>) a.value()) {
            check((Graph) o, visible, "subgraph '" + a.name() + "' of node " + n.label());
          }
        }
      }
    }
    for (ValueInfo o : g.outputs()) {
      if (!visible.contains(o.name())) {
        throw new ModelException(where + ": output '" + o.name() + "' is not produced by any node");
      }
    }
  }
}
