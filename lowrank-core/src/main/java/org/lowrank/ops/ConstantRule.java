package org.lowrank.ops;

import java.util.List;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/** An operator's evaluation on constant inputs (first output only). */
@FunctionalInterface
public interface ConstantRule {
  /**
   * The first output of {@code n}, or null when this case is left to the runtime.
   *
   * @param in input values; null for an omitted optional input
   * @param opset default-domain opset (selects the attribute or input form of an op)
   */
  TensorValue evaluate(Node n, List<TensorValue> in, long opset);
}
