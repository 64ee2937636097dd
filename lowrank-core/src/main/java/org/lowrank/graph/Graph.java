package org.lowrank.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable computation graph: nodes in topological order, graph inputs and outputs, constant
 * initializers by name, and optional value infos (shapes of intermediate values). Graph inputs that
 * are also initializers (old ONNX IR versions) are listed in {@link #inputs()} too; {@link
 * #runtimeInputs()} excludes them.
 */
public final class Graph {
  private final String name;
  private final List<Node> nodes;
  private final List<ValueInfo> inputs;
  private final List<ValueInfo> outputs;
  private final Map<String, TensorValue> initializers;
  private final List<ValueInfo> valueInfos;
  private final String docString;

  private Graph(Builder b) {
    this.name = b.name == null ? "" : b.name;
    this.nodes = List.copyOf(b.nodes);
    this.inputs = List.copyOf(b.inputs);
    this.outputs = List.copyOf(b.outputs);
    this.initializers = Collections.unmodifiableMap(new LinkedHashMap<>(b.initializers));
    this.valueInfos = List.copyOf(b.valueInfos);
    this.docString = b.docString == null ? "" : b.docString;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.nodes.addAll(nodes);
    b.inputs.addAll(inputs);
    b.outputs.addAll(outputs);
    b.initializers.putAll(initializers);
    b.valueInfos.addAll(valueInfos);
    b.docString = docString;
    return b;
  }

  public String name() {
    return name;
  }

  public List<Node> nodes() {
    return nodes;
  }

  public List<ValueInfo> inputs() {
    return inputs;
  }

  /** Graph inputs that are not initializers: what a caller must feed. */
  public List<ValueInfo> runtimeInputs() {
    List<ValueInfo> out = new ArrayList<>();
    for (ValueInfo v : inputs) {
      if (!initializers.containsKey(v.name())) {
        out.add(v);
      }
    }
    return out;
  }

  public List<ValueInfo> outputs() {
    return outputs;
  }

  public Map<String, TensorValue> initializers() {
    return initializers;
  }

  public Optional<TensorValue> initializer(String tensorName) {
    return Optional.ofNullable(initializers.get(tensorName));
  }

  public List<ValueInfo> valueInfos() {
    return valueInfos;
  }

  public String docString() {
    return docString;
  }

  /** The node with the given name, if any. */
  public Optional<Node> node(String nodeName) {
    for (Node n : nodes) {
      if (n.name().equals(nodeName)) {
        return Optional.of(n);
      }
    }
    return Optional.empty();
  }

  /** Map from each tensor name to the node that produces it. */
  public Map<String, Node> producers() {
    Map<String, Node> out = new HashMap<>();
    for (Node n : nodes) {
      for (String o : n.outputs()) {
        if (!o.isEmpty()) {
          out.put(o, n);
        }
      }
    }
    return out;
  }

  /** Map from each tensor name to the nodes that read it, in graph order. */
  public Map<String, List<Node>> consumers() {
    Map<String, List<Node>> out = new HashMap<>();
    for (Node n : nodes) {
      for (String i : n.inputs()) {
        if (!i.isEmpty()) {
          out.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
        }
      }
    }
    return out;
  }

  /** Builder for graphs. Nodes must be added in topological order. */
  public static final class Builder {
    private String name;
    private final List<Node> nodes = new ArrayList<>();
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    private final Map<String, TensorValue> initializers = new LinkedHashMap<>();
    private final List<ValueInfo> valueInfos = new ArrayList<>();
    private String docString;

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder addNode(Node n) {
      nodes.add(n);
      return this;
    }

    public Builder nodes(List<Node> ns) {
      nodes.clear();
      nodes.addAll(ns);
      return this;
    }

    public Builder addInput(ValueInfo v) {
      inputs.add(v);
      return this;
    }

    public Builder inputs(List<ValueInfo> vs) {
      inputs.clear();
      inputs.addAll(vs);
      return this;
    }

    public Builder addOutput(ValueInfo v) {
      outputs.add(v);
      return this;
    }

    public Builder outputs(List<ValueInfo> vs) {
      outputs.clear();
      outputs.addAll(vs);
      return this;
    }

    public Builder putInitializer(String tensorName, TensorValue t) {
      initializers.put(tensorName, t);
      return this;
    }

    public Builder removeInitializer(String tensorName) {
      initializers.remove(tensorName);
      return this;
    }

    public Builder initializers(Map<String, TensorValue> m) {
      initializers.clear();
      initializers.putAll(m);
      return this;
    }

    public Builder addValueInfo(ValueInfo v) {
      valueInfos.add(v);
      return this;
    }

    public Builder valueInfos(List<ValueInfo> vs) {
      valueInfos.clear();
      valueInfos.addAll(vs);
      return this;
    }

    public Builder docString(String v) {
      docString = v;
      return this;
    }

    public Graph build() {
      return new Graph(this);
    }
  }
}
