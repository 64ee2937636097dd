package org.lowrank.analysis;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.lowrank.graph.DataType;
import org.lowrank.graph.TensorValue;

/**
 * The result of {@link ShapeInference}: the static shape and element type of every value of the
 * graph, and the constant value of those that are known (initializers, folded shape computations).
 * Immutable; shapes are returned as copies.
 */
public final class InferredShapes {
  private final Map<String, long[]> shapes;
  private final Map<String, DataType> types;
  private final Map<String, TensorValue> values;

  InferredShapes(
      Map<String, long[]> shapes, Map<String, DataType> types, Map<String, TensorValue> values) {
    this.shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
    this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** The shape of a value, if inferred. */
  public Optional<long[]> shape(String name) {
    long[] s = shapes.get(name);
    return s == null ? Optional.empty() : Optional.of(s.clone());
  }

  /** The shape of a value; throws {@link IllegalArgumentException} naming it when unknown. */
  public long[] require(String name) {
    long[] s = shapes.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no inferred shape for value '" + name + "'");
    }
    return s.clone();
  }

  public Optional<DataType> type(String name) {
    return Optional.ofNullable(types.get(name));
  }

  /** The constant value of a value, when known. */
  public Optional<TensorValue> value(String name) {
    return Optional.ofNullable(values.get(name));
  }

  /** Names of all values with an inferred shape, in graph order. */
  public java.util.Set<String> names() {
    return shapes.keySet();
  }
}
