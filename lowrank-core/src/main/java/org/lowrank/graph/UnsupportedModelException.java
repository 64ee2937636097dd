package org.lowrank.graph;

/**
 * A well-formed model that lowrank cannot handle (yet): an operator without shape inference, a
 * feature of the format that is not implemented. Its kind is {@link
 * org.lowrank.LowrankException.Kind#UNSUPPORTED}, not bad input.
 */
public class UnsupportedModelException extends ModelException {
  private static final long serialVersionUID = 1L;

  public UnsupportedModelException(String message) {
    super(Kind.UNSUPPORTED, message, null);
  }

  public UnsupportedModelException(String message, Throwable cause) {
    super(Kind.UNSUPPORTED, message, cause);
  }

  public UnsupportedModelException(Node node, String message) {
    super(Kind.UNSUPPORTED, node, message, null);
  }
}
