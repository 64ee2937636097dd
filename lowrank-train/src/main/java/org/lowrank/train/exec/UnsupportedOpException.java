package org.lowrank.train.exec;

import org.lowrank.LowrankException;

/**
 * Thrown when building an executor for a graph that contains an operator (or an attribute value of
 * an operator) the executor cannot run. The message names the op type and the node. Kind {@link
 * LowrankException.Kind#UNSUPPORTED}.
 */
public final class UnsupportedOpException extends LowrankException {
  private static final long serialVersionUID = 1L;

  private final String opType;
  private final String nodeName;

  public UnsupportedOpException(String opType, String nodeName, String detail) {
    super(
        Kind.UNSUPPORTED,
        "unsupported op "
            + opType
            + " at node '"
            + nodeName
            + "': "
            + detail
            + " (supported ops: "
            + String.join(", ", Kernels.supportedOps())
            + ")");
    this.opType = opType;
    this.nodeName = nodeName;
  }

  public String opType() {
    return opType;
  }

  public String nodeName() {
    return nodeName;
  }
}
