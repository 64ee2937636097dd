package org.lowrank.ops;

import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;

/** The {@code auto_pad} attribute of Conv, ConvTranspose and pooling (ONNX operator spec). */
public enum AutoPad {
  /** Explicit {@code pads} (the default; an empty string means the same). */
  NOTSET,
  /** Output size {@code ceil(in / s)}; an odd total padding puts the extra pixel at the end. */
  SAME_UPPER,
  /**
   * Output size {@code ceil(in / s)}; an odd total padding puts the extra pixel at the beginning.
   */
  SAME_LOWER,
  /** No padding. */
  VALID;

  /** The node's {@code auto_pad}, or a {@link ModelException} naming the node and the value. */
  static AutoPad of(Node n) {
    String s = n.attrString("auto_pad", "NOTSET");
    return switch (s) {
      case "NOTSET", "" -> NOTSET;
      case "SAME_UPPER" -> SAME_UPPER;
      case "SAME_LOWER" -> SAME_LOWER;
      case "VALID" -> VALID;
      default ->
          throw new ModelException(
              n, "unknown auto_pad '" + s + "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    };
  }

  public boolean isSame() {
    return this == SAME_UPPER || this == SAME_LOWER;
  }

  /**
   * Splits a total padding into [begin, end]: the odd pixel at the end for SAME_UPPER, at the
   * beginning otherwise (SAME_LOWER, and ConvTranspose with output_shape). A negative total (an
   * output larger than the natural one) is split the same way with floor division.
   */
  long[] split(long total) {
    long half = Math.floorDiv(total, 2);
    return this == SAME_UPPER ? new long[] {half, total - half} : new long[] {total - half, half};
  }
}
