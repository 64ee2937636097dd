package org.lowrank.cost;

import java.util.Arrays;

/**
 * What the cost model needs to know about one layer.
 *
 * <p>Convolution: weight [cout, cin/groups, k_1..k_d], input spatial sizes {@code inSpatial},
 * output spatial sizes {@code outSpatial}. Dense (Gemm/MatMul): weight as y = x W^T with W [out,
 * in], and {@code rows} = input rows per sample (1 for Gemm on a flattened vector, more for MatMul
 * on a sequence). A transposed convolution (ConvTranspose) is described by its weight in conv
 * layout [cout, cin/groups, k..] with {@code transposed} set: its kernel slides over the input
 * pixels rather than the output pixels ({@link #windowPixels()}).
 *
 * @param name layer (node) name
 * @param conv true for a convolution
 * @param cout output channels (conv) or output features (dense)
 * @param cin input channels (conv) or input features (dense)
 * @param groups conv groups (1 for dense)
 * @param kernel spatial kernel sizes (empty for dense)
 * @param inSpatial input spatial sizes (empty for dense)
 * @param outSpatial output spatial sizes (empty for dense)
 * @param rows input rows per sample (dense), 1 for conv
 * @param hasBias whether the layer has a bias (counted in parameters)
 * @param transposed true for a ConvTranspose (false for Conv and dense)
 */
public record LayerGeometry(
    String name,
    boolean conv,
    long cout,
    long cin,
    long groups,
    long[] kernel,
    long[] inSpatial,
    long[] outSpatial,
    long rows,
    boolean hasBias,
    boolean transposed) {

  public LayerGeometry {
    kernel = kernel.clone();
    inSpatial = inSpatial.clone();
    outSpatial = outSpatial.clone();
  }

  /** A convolution's geometry. */
  public static LayerGeometry conv(
      String name,
      long cout,
      long cin,
      long groups,
      long[] kernel,
      long[] inSpatial,
      long[] outSpatial,
      boolean hasBias) {
    return new LayerGeometry(
        name, true, cout, cin, groups, kernel, inSpatial, outSpatial, 1, hasBias, false);
  }

  /**
   * A transposed convolution's geometry (ConvTranspose with weight [cin, cout/groups, k..], given
   * here as cout, cin like a conv).
   */
  public static LayerGeometry convTranspose(
      String name,
      long cout,
      long cin,
      long groups,
      long[] kernel,
      long[] inSpatial,
      long[] outSpatial,
      boolean hasBias) {
    return new LayerGeometry(
        name, true, cout, cin, groups, kernel, inSpatial, outSpatial, 1, hasBias, true);
  }

  /** A dense layer y = x W^T (+ b), W [out, in]. */
  public static LayerGeometry dense(String name, long out, long in, long rows, boolean hasBias) {
    return new LayerGeometry(
        name, false, out, in, 1, new long[0], new long[0], new long[0], rows, hasBias, false);
  }

  /** Product of the kernel sizes (1 for dense). */
  public long kernelElements() {
    return product(kernel);
  }

  /** Product of the input spatial sizes (1 for dense). */
  public long inPixels() {
    return product(inSpatial);
  }

  /** Product of the output spatial sizes (1 for dense). */
  public long outPixels() {
    return product(outSpatial);
  }

  /**
   * Pixels at which the kxk kernel is applied: P_out for a conv (one window per output pixel), P_in
   * for a transposed conv (one scattered window per input pixel); 1 for dense.
   */
  public long windowPixels() {
    return transposed ? inPixels() : outPixels();
  }

  static long product(long[] v) {
    long p = 1;
    for (long x : v) {
      p = Math.multiplyExact(p, x);
    }
    return p;
  }

  @Override
  public String toString() {
    return conv
        ? String.format(
            "%s %s [%d,%d/%d,%s] in %s out %s",
            name,
            transposed ? "convT" : "conv",
            cout,
            cin,
            groups,
            Arrays.toString(kernel),
            Arrays.toString(inSpatial),
            Arrays.toString(outSpatial))
        : String.format("%s dense [%d,%d] x%d", name, cout, cin, rows);
  }
}
