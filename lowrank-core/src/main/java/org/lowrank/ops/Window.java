package org.lowrank.ops;

/**
 * A sliding window (Conv, ConvTranspose, pooling) resolved for given spatial input sizes: per
 * spatial axis the kernel, strides, dilations, effective pads {@code [b_1..b_d, e_1..e_d]} ({@code
 * auto_pad} applied) and the output size.
 */
public record Window(
    long[] kernel, long[] strides, long[] dilations, long[] pads, long[] outSpatial) {

  /** Number of spatial axes d. */
  public int rank() {
    return kernel.length;
  }

  /** Pads at the beginning of each spatial axis. */
  public long[] padsBegin() {
    return java.util.Arrays.copyOfRange(pads, 0, rank());
  }

  /** Pads at the end of each spatial axis. */
  public long[] padsEnd() {
    return java.util.Arrays.copyOfRange(pads, rank(), 2 * rank());
  }
}
