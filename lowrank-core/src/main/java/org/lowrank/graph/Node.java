package org.lowrank.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One operator of the graph: name, op type, domain ("" for the default ONNX domain), input and
 * output tensor names (an empty input name is an omitted optional input), and attributes.
 * Immutable; use {@link #toBuilder()} to derive a changed copy.
 */
public final class Node {
  private final String name;
  private final String opType;
  private final String domain;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, Attribute> attributes;
  private final String docString;

  private Node(Builder b) {
    this.name = b.name == null ? "" : b.name;
    this.opType = Objects.requireNonNull(b.opType, "opType");
    this.domain = b.domain == null ? "" : b.domain;
    this.inputs = List.copyOf(b.inputs);
    this.outputs = List.copyOf(b.outputs);
    this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(b.attributes));
    this.docString = b.docString == null ? "" : b.docString;
  }

  public static Builder builder(String opType) {
    return new Builder().opType(opType);
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.opType = opType;
    b.domain = domain;
    b.inputs.addAll(inputs);
    b.outputs.addAll(outputs);
    b.attributes.putAll(attributes);
    b.docString = docString;
    return b;
  }

  public String name() {
    return name;
  }

  public String opType() {
    return opType;
  }

  public String domain() {
    return domain;
  }

  public List<String> inputs() {
    return inputs;
  }

  public List<String> outputs() {
    return outputs;
  }

  /** Input {@code i}, or "" when absent or omitted. */
  public String input(int i) {
    return i < inputs.size() ? inputs.get(i) : "";
  }

  public String output(int i) {
    return outputs.get(i);
  }

  public Map<String, Attribute> attributes() {
    return attributes;
  }

  public String docString() {
    return docString;
  }

  public boolean hasAttribute(String attrName) {
    return attributes.containsKey(attrName);
  }

  public long attrLong(String attrName, long defaultValue) {
    Attribute a = attributes.get(attrName);
    return a == null ? defaultValue : a.asLong();
  }

  public float attrFloat(String attrName, float defaultValue) {
    Attribute a = attributes.get(attrName);
    return a == null ? defaultValue : a.asFloat();
  }

  public String attrString(String attrName, String defaultValue) {
    Attribute a = attributes.get(attrName);
    return a == null ? defaultValue : a.asString();
  }

  /** An INTS attribute, or a copy of {@code defaultValue} (may be null) when absent. */
  public long[] attrLongs(String attrName, long[] defaultValue) {
    Attribute a = attributes.get(attrName);
    if (a == null) {
      return defaultValue == null ? null : defaultValue.clone();
    }
    return a.asLongs();
  }

  /** A short human-readable label: {@code name (OpType)}. */
  public String label() {
    return (name.isEmpty() ? "<unnamed>" : name) + " (" + opType + ")";
  }

  @Override
  public String toString() {
    return label() + " " + inputs + " -> " + outputs;
  }

  /** Builder; {@code opType} is required. */
  public static final class Builder {
    private String name;
    private String opType;
    private String domain;
    private final List<String> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, Attribute> attributes = new LinkedHashMap<>();
    private String docString;

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder opType(String v) {
      opType = v;
      return this;
    }

    public Builder domain(String v) {
      domain = v;
      return this;
    }

    public Builder inputs(String... names) {
      inputs.clear();
      inputs.addAll(Arrays.asList(names));
      return this;
    }

    public Builder inputs(List<String> names) {
      inputs.clear();
      inputs.addAll(names);
      return this;
    }

    public Builder outputs(String... names) {
      outputs.clear();
      outputs.addAll(Arrays.asList(names));
      return this;
    }

    public Builder outputs(List<String> names) {
      outputs.clear();
      outputs.addAll(names);
      return this;
    }

    public Builder attribute(Attribute a) {
      attributes.put(a.name(), a);
      return this;
    }

    public Builder removeAttribute(String attrName) {
      attributes.remove(attrName);
      return this;
    }

    public Builder attr(String attrName, long v) {
      return attribute(Attribute.of(attrName, v));
    }

    public Builder attr(String attrName, float v) {
      return attribute(Attribute.of(attrName, v));
    }

    public Builder attr(String attrName, String v) {
      return attribute(Attribute.of(attrName, v));
    }

    public Builder attrInts(String attrName, long... v) {
      return attribute(Attribute.ofInts(attrName, v));
    }

    public Builder docString(String v) {
      docString = v;
      return this;
    }

    public Node build() {
      if (opType == null || opType.isEmpty()) {
        throw new IllegalArgumentException("node '" + name + "' has no op type");
      }
      return new Node(this);
    }
  }
}
