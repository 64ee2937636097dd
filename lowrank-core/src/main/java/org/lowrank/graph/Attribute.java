package org.lowrank.graph;

import java.util.List;
import java.util.Objects;

/**
 * A node attribute, as in ONNX: a name, a kind and an immutable value. Integers are {@code Long},
 * floats {@code Float}, lists are unmodifiable {@code List}s, graphs (If/Loop bodies) are {@link
 * Graph}.
 */
public record Attribute(String name, Kind kind, Object value) {

  /** Attribute kinds, numbered as ONNX's {@code AttributeProto.AttributeType}. */
  public enum Kind {
    FLOAT(1),
    INT(2),
    STRING(3),
    TENSOR(4),
    GRAPH(5),
    FLOATS(6),
    INTS(7),
    STRINGS(8),
    TENSORS(9),
    GRAPHS(10);

    private final int onnxCode;

    Kind(int onnxCode) {
      this.onnxCode = onnxCode;
    }

    public int onnxCode() {
      return onnxCode;
    }
  }

  public Attribute {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(value, "value");
    if (value instanceof List<?> l) {
      value = List.copyOf(l);
    }
  }

  public static Attribute of(String name, long value) {
    return new Attribute(name, Kind.INT, value);
  }

  public static Attribute of(String name, float value) {
    return new Attribute(name, Kind.FLOAT, value);
  }

  public static Attribute of(String name, String value) {
    return new Attribute(name, Kind.STRING, value);
  }

  public static Attribute of(String name, TensorValue value) {
    return new Attribute(name, Kind.TENSOR, value);
  }

  public static Attribute ofInts(String name, long... values) {
    Long[] boxed = new Long[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return new Attribute(name, Kind.INTS, List.of(boxed));
  }

  public static Attribute ofFloats(String name, float... values) {
    Float[] boxed = new Float[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return new Attribute(name, Kind.FLOATS, List.of(boxed));
  }

  public long asLong() {
    return expect(Kind.INT, Long.class);
  }

  public float asFloat() {
    return expect(Kind.FLOAT, Float.class);
  }

  public String asString() {
    return expect(Kind.STRING, String.class);
  }

  public TensorValue asTensor() {
    return expect(Kind.TENSOR, TensorValue.class);
  }

  public Graph asGraph() {
    return expect(Kind.GRAPH, Graph.class);
  }

  public long[] asLongs() {
    List<?> l = expect(Kind.INTS, List.class);
    long[] out = new long[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (Long) l.get(i);
    }
    return out;
  }

  public float[] asFloats() {
    List<?> l = expect(Kind.FLOATS, List.class);
    float[] out = new float[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (Float) l.get(i);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public List<String> asStrings() {
    return expect(Kind.STRINGS, List.class);
  }

  private <T> T expect(Kind expected, Class<T> type) {
    if (kind != expected) {
      throw new IllegalStateException(
          "attribute '" + name + "' is " + kind + ", expected " + expected);
    }
    return type.cast(value);
  }
}
