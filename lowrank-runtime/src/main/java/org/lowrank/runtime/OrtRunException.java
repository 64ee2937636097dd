package org.lowrank.runtime;

/** ONNX Runtime refused to load or run a model; the message names the model and what failed. */
public class OrtRunException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OrtRunException(String message) {
    super(message);
  }

  public OrtRunException(String message, Throwable cause) {
    super(message, cause);
  }
}
