package org.lowrank.ops;

import java.util.List;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Node;

/** An operator's output element type from its input types. */
@FunctionalInterface
public interface TypeRule {
  /**
   * The element type of output {@code output}.
   *
   * @param in input element types in input order; null when unknown or omitted
   */
  DataType outputType(Node n, int output, List<DataType> in);

  /** The default: the type of input 0 (FLOAT for an op without inputs, UNDEFINED when unknown). */
  TypeRule FIRST_INPUT = (n, o, in) -> first(in);

  /** Input 0's type, FLOAT without inputs, UNDEFINED when unknown. */
  static DataType first(List<DataType> in) {
    return in.isEmpty() ? DataType.FLOAT : in.get(0) == null ? DataType.UNDEFINED : in.get(0);
  }

  /** A fixed type. */
  static TypeRule always(DataType t) {
    return (n, o, in) -> t;
  }
}
