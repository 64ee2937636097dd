package org.lowrank.onnx;

/**
 * A valid ONNX file using a feature lowrank does not support: external tensor data, sparse
 * initializers, model-local functions, string tensors, exotic element types. Kind {@link
 * org.lowrank.LowrankException.Kind#UNSUPPORTED}, not bad input.
 */
public class OnnxUnsupportedException extends OnnxFormatException {
  private static final long serialVersionUID = 1L;

  public OnnxUnsupportedException(String source, String message) {
    super(Kind.UNSUPPORTED, source, message, null);
  }
}
