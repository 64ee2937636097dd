package org.lowrank.graph;

import org.lowrank.LowrankException;

/**
 * A model that cannot be processed: a graph with a cycle, a dangling input, a missing weight, a
 * shape that does not fit its operator. The message says where (node name and op type when known),
 * what was expected and what was found. Its kind is {@link LowrankException.Kind#BAD_INPUT}.
 */
public class ModelException extends LowrankException {
  private static final long serialVersionUID = 1L;

  private final String nodeName;
  private final String opType;

  public ModelException(String message) {
    this(Kind.BAD_INPUT, message, null);
  }

  public ModelException(String message, Throwable cause) {
    this(Kind.BAD_INPUT, message, cause);
  }

  /** An error of another kind than bad input (for subclasses). */
  protected ModelException(Kind kind, String message, Throwable cause) {
    this(kind, message, null, null, cause);
  }

  /** An error located at a node; its label is prefixed to the message. */
  public ModelException(Node node, String message) {
    this(node, message, null);
  }

  /** An error located at a node, with a cause; its label is prefixed to the message. */
  public ModelException(Node node, String message, Throwable cause) {
    this(Kind.BAD_INPUT, node, message, cause);
  }

  /** An error of another kind than bad input located at a node (for subclasses). */
  protected ModelException(Kind kind, Node node, String message, Throwable cause) {
    this(kind, "node " + describe(node) + ": " + message, node.name(), node.opType(), cause);
  }

  /** The node's label; an unnamed node is identified by its first output. */
  private static String describe(Node node) {
    if (!node.name().isEmpty() || node.outputs().isEmpty() || node.output(0).isEmpty()) {
      return node.label();
    }
    return "<unnamed> (" + node.opType() + ") producing '" + node.output(0) + "'";
  }

  private ModelException(
      Kind kind, String message, String nodeName, String opType, Throwable cause) {
    super(kind, message, cause);
    this.nodeName = nodeName;
    this.opType = opType;
  }

  /** The name of the node the error is about, or null when not about one node. */
  public String nodeName() {
    return nodeName;
  }

  /** The op type of the node the error is about, or null. */
  public String opType() {
    return opType;
  }
}
