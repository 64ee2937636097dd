package org.lowrank.graph;

/**
 * A model that cannot be processed: a graph with a cycle, a dangling input, a missing weight, a shape
 * that does not fit its operator. The message says where (node name and op type when known), what was
 * expected and what was found. Unchecked, because it signals bad input rather than an I/O failure.
 */
public class ModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String nodeName;
  private final String opType;

  public ModelException(String message) {
    this(message, null, null, null);
  }

  public ModelException(String message, Throwable cause) {
    this(message, null, null, cause);
  }

  /** An error located at a node; its label is prefixed to the message. */
  public ModelException(Node node, String message) {
    this(node, message, null);
  }

  /** An error located at a node, with a cause; its label is prefixed to the message. */
  public ModelException(Node node, String message, Throwable cause) {
    this("node " + describe(node) + ": " + message, node.name(), node.opType(), cause);
  }

  /** The node's label; an unnamed node is identified by its first output. */
  private static String describe(Node node) {
    if (!node.name().isEmpty() || node.outputs().isEmpty() || node.output(0).isEmpty()) {
      return node.label();
    }
    return "<unnamed> (" + node.opType() + ") producing '" + node.output(0) + "'";
  }

  protected ModelException(String message, String nodeName, String opType, Throwable cause) {
    super(message, cause);
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
