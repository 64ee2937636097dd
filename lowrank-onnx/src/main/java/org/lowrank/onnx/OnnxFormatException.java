package org.lowrank.onnx;

import org.lowrank.LowrankException;

/**
 * An ONNX file (or serialized tensor) that cannot be read: truncated or corrupt protobuf, missing
 * graph, tensor data that does not match its declared shape. The message names the file (its {@link
 * #source()}) and, where known, the node or tensor, what was expected and what was found. Kind
 * {@link LowrankException.Kind#BAD_INPUT}.
 */
public class OnnxFormatException extends LowrankException {
  private static final long serialVersionUID = 1L;

  private final String source;

  public OnnxFormatException(String source, String message) {
    this(source, message, null);
  }

  public OnnxFormatException(String source, String message, Throwable cause) {
    this(Kind.BAD_INPUT, source, message, cause);
  }

  /** An error of another kind than bad input (for subclasses). */
  protected OnnxFormatException(Kind kind, String source, String message, Throwable cause) {
    super(kind, source + ": " + message, cause);
    this.source = source;
  }

  /** The file (or label of the byte source) that was being read. */
  public String source() {
    return source;
  }
}
