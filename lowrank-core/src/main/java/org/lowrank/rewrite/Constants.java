package org.lowrank.rewrite;

import java.util.Optional;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/**
 * Finds the constant value of a tensor name: an initializer, the output of a {@code Constant} node,
 * or an {@code Identity} of either (package-private).
 */
final class Constants {
  private Constants() {}

  static Optional<TensorValue> resolve(Graph g, String name) {
    return resolve(g, name, 0);
  }

  private static Optional<TensorValue> resolve(Graph g, String name, int depth) {
    if (name.isEmpty() || depth > 8) {
      return Optional.empty();
    }
    Optional<TensorValue> init = g.initializer(name);
    if (init.isPresent()) {
      return init;
    }
    Node p = g.producers().get(name);
    if (p == null || !p.domain().isEmpty() && !p.domain().equals("ai.onnx")) {
      return Optional.empty();
    }
    if (p.opType().equals("Identity")) {
      return resolve(g, p.input(0), depth + 1);
    }
    if (!p.opType().equals("Constant")) {
      return Optional.empty();
    }
    for (Attribute a : p.attributes().values()) {
      switch (a.name()) {
        case "value":
          return Optional.of(a.asTensor());
        case "value_float":
          return Optional.of(TensorValue.scalar(a.asFloat()));
        case "value_floats":
          {
            float[] f = a.asFloats();
            return Optional.of(TensorValue.ofFloats(new long[] {f.length}, f));
          }
        case "value_int":
          return Optional.of(TensorValue.ofLongs(new long[0], new long[] {a.asLong()}));
        case "value_ints":
          {
            long[] l = a.asLongs();
            return Optional.of(TensorValue.ofLongs(new long[] {l.length}, l));
          }
        default:
          break;
      }
    }
    return Optional.empty();
  }
}
