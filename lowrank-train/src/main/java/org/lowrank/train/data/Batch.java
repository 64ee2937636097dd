package org.lowrank.train.data;

/**
 * A batch of normalized images, NCHW row-major floats, with labels and the dataset indices of the
 * examples.
 */
public record Batch(
    float[] data, int size, int channels, int height, int width, int[] labels, int[] indices) {

  /** The NCHW shape. */
  public long[] shape() {
    return new long[] {size, channels, height, width};
  }
}
