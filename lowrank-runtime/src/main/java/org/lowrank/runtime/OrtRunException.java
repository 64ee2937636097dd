package org.lowrank.runtime;

import org.lowrank.LowrankException;

/**
 * ONNX Runtime refused to load or run a model; the message names the model and what failed. Kind
 * {@link LowrankException.Kind#RUNTIME}.
 */
public class OrtRunException extends LowrankException {
  private static final long serialVersionUID = 1L;

  public OrtRunException(String message) {
    super(Kind.RUNTIME, message);
  }

  public OrtRunException(String message, Throwable cause) {
    super(Kind.RUNTIME, message, cause);
  }
}
