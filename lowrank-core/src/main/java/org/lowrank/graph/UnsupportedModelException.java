package org.lowrank.graph;

/**
 * A well-formed model that lowrank cannot handle (yet): an operator without shape inference, a
 * feature of the format that is not implemented. Distinct from {@link ModelException} so that the
 * CLI can report "unsupported model" (exit code 3) rather than "bad input" (exit code 2).
 */
public class UnsupportedModelException extends ModelException {
  private static final long serialVersionUID = 1L;

  public UnsupportedModelException(String message) {
    super(message);
  }

  public UnsupportedModelException(String message, Throwable cause) {
    super(message, cause);
  }

  public UnsupportedModelException(Node node, String message) {
    super(node, message);
  }
}
