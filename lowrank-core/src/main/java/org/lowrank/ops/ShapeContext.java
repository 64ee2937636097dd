package org.lowrank.ops;

import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/**
 * What a {@link ShapeRule} may ask of the graph walk besides the input shapes: the default-domain
 * opset and the constant values of shape-like inputs (Reshape's shape, Pad's pads, ...).
 */
public interface ShapeContext {
  /** Default-domain opset of the model. */
  long opset();

  /**
   * The constant value of input {@code i} of {@code n}.
   *
   * @param role what the input is, for the message (e.g. "shape", "pads")
   * @throws org.lowrank.graph.UnsupportedModelException naming the node when the input is computed
   *     at run time
   */
  TensorValue value(Node n, int i, String role);

  /** Like {@link #value}, but null for an omitted (empty-named) input. */
  default TensorValue optionalValue(Node n, int i, String role) {
    return n.input(i).isEmpty() ? null : value(n, i, role);
  }
}
