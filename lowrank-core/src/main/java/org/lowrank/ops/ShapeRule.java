package org.lowrank.ops;

import java.util.List;
import org.lowrank.graph.Node;

/** An operator's static shape rule: output shapes from input shapes (and constant inputs). */
@FunctionalInterface
public interface ShapeRule {
  /**
   * Output shapes of {@code n}, one per output (an entry may be null when unknown).
   *
   * @param in input shapes in input order; null for an omitted optional input
   * @throws org.lowrank.graph.ModelException naming the node when the inputs do not fit the op
   */
  long[][] outputShapes(Node n, List<long[]> in, ShapeContext ctx);
}
