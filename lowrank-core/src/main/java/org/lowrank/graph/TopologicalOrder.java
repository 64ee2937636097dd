package org.lowrank.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Topological order of a graph's nodes (Kahn's algorithm, stable: among ready nodes the one listed
 * first in the file comes first, so an already sorted graph keeps its order). Dependencies include
 * the outer-scope values that subgraphs (If/Loop/Scan bodies) read.
 */
public final class TopologicalOrder {
  private TopologicalOrder() {}

  /**
   * True when every node's inputs are produced by earlier nodes (or come from outside the nodes).
   */
  public static boolean isSorted(Graph g) {
    Map<String, Integer> producerIndex = producerIndex(g);
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      for (String in : dependencies(nodes.get(i))) {
        Integer p = producerIndex.get(in);
        if (p != null && p >= i) {
          return false;
        }
      }
    }
    return true;
  }

  /** The graph with its nodes in topological order (the same graph when already sorted). */
  public static Graph sorted(Graph g) {
    if (isSorted(g)) {
      return g;
    }
    return g.toBuilder().nodes(sort(g)).build();
  }

  /**
   * The nodes in topological order.
   *
   * @throws ModelException naming the nodes on a cycle, when the graph has one
   */
  public static List<Node> sort(Graph g) {
    List<Node> nodes = g.nodes();
    int n = nodes.size();
    Map<String, Integer> producerIndex = producerIndex(g);
    int[] pending = new int[n];
    List<List<Integer>> dependents = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      dependents.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      Set<Integer> preds = new HashSet<>();
      for (String in : dependencies(nodes.get(i))) {
        Integer p = producerIndex.get(in);
        if (p != null && preds.add(p)) {
          dependents.get(p).add(i);
          pending[i]++;
        }
      }
    }
    // stable Kahn: a priority on the original index keeps file order among ready nodes
    java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
    for (int i = 0; i < n; i++) {
      if (pending[i] == 0) {
        ready.add(i);
      }
    }
    List<Node> out = new ArrayList<>(n);
    while (!ready.isEmpty()) {
      int i = ready.poll();
      out.add(nodes.get(i));
      for (int d : dependents.get(i)) {
        if (--pending[d] == 0) {
          ready.add(d);
        }
      }
    }
    if (out.size() < n) {
      List<Node> cycle = findCycle(nodes, producerIndex, pending);
      List<String> labels = new ArrayList<>();
      cycle.forEach(c -> labels.add(c.label()));
      Node first = cycle.get(0);
      throw new ModelException(
          first,
          "is on a cycle: "
              + String.join(" -> ", labels)
              + " -> "
              + first.label()
              + "; an ONNX graph must be acyclic (loops belong in a Loop node)");
    }
    return out;
  }

  /** Input names a node depends on: its inputs plus the outer-scope names its subgraphs read. */
  public static Set<String> dependencies(Node node) {
    Set<String> deps = new LinkedHashSet<>();
    for (String in : node.inputs()) {
      if (!in.isEmpty()) {
        deps.add(in);
      }
    }
    deps.addAll(outerScopeReads(node));
    return deps;
  }

  /** Names read by the node's subgraphs that the subgraphs do not define themselves. */
  public static Set<String> outerScopeReads(Node node) {
    Set<String> out = new LinkedHashSet<>();
    for (Attribute a : node.attributes().values()) {
      if (a.kind() == Attribute.Kind.GRAPH) {
        collectOuterReads(a.asGraph(), out);
      } else if (a.kind() == Attribute.Kind.GRAPHS) {
        for (Object o : (List<?>) a.value()) {
          collectOuterReads((Graph) o, out);
        }
      }
    }
    return out;
  }

  private static void collectOuterReads(Graph g, Set<String> out) {
    Set<String> defined = new HashSet<>(g.initializers().keySet());
    g.inputs().forEach(v -> defined.add(v.name()));
    for (Node n : g.nodes()) {
      defined.addAll(n.outputs());
    }
    for (Node n : g.nodes()) {
      for (String in : dependencies(n)) {
        if (!defined.contains(in)) {
          out.add(in);
        }
      }
    }
    for (ValueInfo o : g.outputs()) {
      if (!defined.contains(o.name())) {
        out.add(o.name());
      }
    }
  }

  private static Map<String, Integer> producerIndex(Graph g) {
    Map<String, Integer> idx = new HashMap<>();
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      for (String o : nodes.get(i).outputs()) {
        if (!o.isEmpty()) {
          idx.putIfAbsent(o, i);
        }
      }
    }
    return idx;
  }

  /** Walks back from an unscheduled node along unscheduled predecessors until a node repeats. */
  private static List<Node> findCycle(
      List<Node> nodes, Map<String, Integer> producerIndex, int[] pending) {
    int start = -1;
    for (int i = 0; i < nodes.size(); i++) {
      if (pending[i] > 0) {
        start = i;
        break;
      }
    }
    Deque<Integer> path = new ArrayDeque<>();
    Map<Integer, Integer> position = new HashMap<>();
    int cur = start;
    while (!position.containsKey(cur)) {
      position.put(cur, path.size());
      path.addLast(cur);
      int next = -1;
      for (String in : dependencies(nodes.get(cur))) {
        Integer p = producerIndex.get(in);
        if (p != null && pending[p] > 0) {
          next = p;
          break;
        }
      }
      if (next < 0) {
        break; // cannot happen: an unscheduled node always has an unscheduled predecessor
      }
      cur = next;
    }
    List<Integer> all = new ArrayList<>(path);
    List<Integer> loop = all.subList(position.getOrDefault(cur, 0), all.size());
    List<Node> cycle = new ArrayList<>();
    // path follows consumers -> producers; report in data-flow order
    for (int k = loop.size() - 1; k >= 0; k--) {
      cycle.add(nodes.get(loop.get(k)));
    }
    return cycle;
  }
}
