package org.lowrank.rewrite;

import java.util.Arrays;
import java.util.List;
import org.lowrank.graph.TensorValue;

/**
 * CP (CANDECOMP/PARAFAC) convolution of rank R: {@code W[o,i,s] = sum_r lambda_r A[o,r] B[s,r]
 * C[i,r]}, run as a 1x1 conv (Cin -> R, weight C^T), depthwise conv(s) with groups = R, and a 1x1
 * conv (R -> Cout, weight A diag(lambda), keeps the bias).
 *
 * <ul>
 *   <li>CP3 ({@link #cp3}): one spatial factor B [K, R] over the whole kernel (K = k_1*..*k_d): one
 *       depthwise k_1x..xk_d conv. Parameters {@code R*(Cout + Cin + K)}.
 *   <li>Separable, CP4 for 2-D ({@link #separable}): one factor B_j [k_j, R] per spatial axis,
 *       B[s,r] = prod_j B_j[s_j, r]: one depthwise conv per axis (kx1 then 1xk), each carrying its
 *       own axis' stride, padding and dilation. Parameters {@code R*(Cout + Cin + sum_j k_j)}.
 * </ul>
 *
 * @param outFactor A [Cout, R]
 * @param spatialFactors [B] (CP3) or [B_1..B_d] (separable)
 * @param inFactor C [Cin, R]
 * @param kernel kernel sizes k_1..k_d
 * @param weights lambda [R] (all ones when the factors already absorb the scale)
 */
public record CpConv(
    TensorValue outFactor,
    List<TensorValue> spatialFactors,
    TensorValue inFactor,
    long[] kernel,
    float[] weights)
    implements FactorizedLayer {

  public CpConv {
    Tensors.requireRank(outFactor, 2, "CP output factor A [Cout, R]");
    Tensors.requireRank(inFactor, 2, "CP input factor C [Cin, R]");
    spatialFactors = List.copyOf(spatialFactors);
    kernel = kernel.clone();
    long r = outFactor.dim(1);
    if (kernel.length < 1 || kernel.length > 3) {
      throw new IllegalArgumentException(
          "CP conv needs 1 to 3 spatial axes, found kernel " + Arrays.toString(kernel));
    }
    if (inFactor.dim(1) != r) {
      throw new IllegalArgumentException(
          "CP ranks disagree: A "
              + Arrays.toString(outFactor.dims())
              + ", C "
              + Arrays.toString(inFactor.dims()));
    }
    if (spatialFactors.size() == 1) {
      checkFactor(spatialFactors.get(0), Tensors.product(kernel), r, "B");
    } else if (spatialFactors.size() == kernel.length) {
      for (int j = 0; j < kernel.length; j++) {
        checkFactor(spatialFactors.get(j), kernel[j], r, "B_" + (j + 1));
      }
    } else {
      throw new IllegalArgumentException(
          "CP conv needs one spatial factor or one per axis ("
              + kernel.length
              + "), found "
              + spatialFactors.size());
    }
    if (weights == null) {
      weights = new float[(int) r];
      Arrays.fill(weights, 1f);
    } else {
      weights = weights.clone();
    }
    if (weights.length != r) {
      throw new IllegalArgumentException("CP rank " + r + " but " + weights.length + " weights");
    }
  }

  private static void checkFactor(TensorValue b, long rows, long r, String name) {
    Tensors.requireRank(b, 2, "CP spatial factor " + name);
    if (b.dim(0) != rows || b.dim(1) != r) {
      throw new IllegalArgumentException(
          "CP spatial factor "
              + name
              + " must be ["
              + rows
              + ", "
              + r
              + "], found "
              + Arrays.toString(b.dims()));
    }
  }

  /** CP3: one spatial factor B [K, R] (K = product of {@code kernel}); unit weights. */
  public static CpConv cp3(
      TensorValue outFactor, TensorValue spatialFactor, TensorValue inFactor, long... kernel) {
    return new CpConv(outFactor, List.of(spatialFactor), inFactor, kernel, null);
  }

  /** Separable CP (CP4 in 2-D): one factor B_j [k_j, R] per axis; unit weights. */
  public static CpConv separable(
      TensorValue outFactor, List<TensorValue> axisFactors, TensorValue inFactor) {
    long[] k = new long[axisFactors.size()];
    for (int j = 0; j < k.length; j++) {
      k[j] = axisFactors.get(j).dim(0);
    }
    return new CpConv(outFactor, axisFactors, inFactor, k, null);
  }

  /** The same factorization with lambda weights. */
  public CpConv withWeights(float[] lambda) {
    return new CpConv(outFactor, spatialFactors, inFactor, kernel, lambda);
  }

  /** True when each spatial axis has its own depthwise conv (more than one axis). */
  public boolean isSeparable() {
    return spatialFactors.size() > 1;
  }

  public long rank() {
    return outFactor.dim(1);
  }

  @Override
  public String method() {
    return "cp";
  }

  @Override
  public boolean forConv() {
    return true;
  }

  @Override
  public long[] ranks() {
    return new long[] {rank()};
  }

  @Override
  public long[] kernel() {
    return kernel.clone();
  }

  @Override
  public float[] weights() {
    return weights.clone();
  }

  @Override
  public long parameterCount() {
    long n = outFactor.elementCount() + inFactor.elementCount();
    for (TensorValue b : spatialFactors) {
      n += b.elementCount();
    }
    return n;
  }

  /** A diag(lambda): the weight of the last 1x1 conv, [Cout, R]. */
  TensorValue weightedOutFactor() {
    return Tensors.scaleColumns(outFactor, weights);
  }

  /**
   * The whole-kernel spatial factor B [K, R] (the product of the per-axis factors if separable).
   */
  public TensorValue fullSpatialFactor() {
    if (!isSeparable()) {
      return spatialFactors.get(0);
    }
    int r = (int) rank();
    long rows = 1;
    float[] acc = new float[r];
    Arrays.fill(acc, 1f);
    for (TensorValue bj : spatialFactors) {
      int kj = (int) bj.dim(0);
      float[] b = bj.toFloatArray();
      float[] next = new float[(int) (rows * kj) * r];
      for (int s = 0; s < rows; s++) {
        for (int t = 0; t < kj; t++) {
          for (int q = 0; q < r; q++) {
            next[(s * kj + t) * r + q] = acc[s * r + q] * b[t * r + q];
          }
        }
      }
      acc = next;
      rows *= kj;
    }
    return TensorValue.ofFloats(new long[] {rows, r}, acc);
  }

  /**
   * W[o, i, s] = sum_q (a[o, q] c[i, q]) b[s, q] (a with the weights folded in), each sum in double
   * over q = 0..R-1 in order, then cast to float. Loops o, s, q outside and i innermost over C^T
   * [R, C_in], so the hot loop is contiguous (vectorizable) and every element's terms are the same
   * and added in the same order as a plain triple loop: the result does not depend on the loop
   * order. About 3 C_out C_in K R flops.
   */
  @Override
  public TensorValue reconstruct() {
    double[] sums = sums();
    float[] w = new float[sums.length];
    for (int j = 0; j < w.length; j++) {
      w[j] = (float) sums[j];
    }
    return TensorValue.ofFloats(
        Tensors.concat(new long[] {outFactor.dim(0), inFactor.dim(0)}, kernel), w);
  }

  /** The double sums of {@link #reconstruct}, [C_out, C_in, K] row-major, before the cast. */
  double[] sums() {
    int cout = Math.toIntExact(outFactor.dim(0));
    int cin = Math.toIntExact(inFactor.dim(0));
    int kk = Math.toIntExact(Tensors.product(kernel));
    int r = (int) rank();
    float[] a = weightedOutFactor().toFloatArray();
    float[] b = fullSpatialFactor().toFloatArray();
    float[] c = inFactor.toFloatArray();
    double[] ct = new double[r * cin];
    for (int i = 0; i < cin; i++) {
      for (int q = 0; q < r; q++) {
        ct[q * cin + i] = c[i * r + q];
      }
    }
    double[] w = new double[Math.toIntExact((long) cout * cin * kk)];
    double[] acc = new double[cin];
    for (int o = 0; o < cout; o++) {
      for (int s = 0; s < kk; s++) {
        Arrays.fill(acc, 0);
        for (int q = 0; q < r; q++) {
          double aq = a[o * r + q];
          double bsq = b[s * r + q];
          int base = q * cin;
          for (int i = 0; i < cin; i++) {
            acc[i] += (aq * ct[base + i]) * bsq;
          }
        }
        for (int i = 0; i < cin; i++) {
          w[(o * cin + i) * kk + s] = acc[i];
        }
      }
    }
    return w;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CpConv c
        && outFactor.equals(c.outFactor)
        && spatialFactors.equals(c.spatialFactors)
        && inFactor.equals(c.inFactor)
        && Arrays.equals(kernel, c.kernel)
        && Arrays.equals(weights, c.weights);
  }

  @Override
  public int hashCode() {
    return outFactor.hashCode() * 31 + Arrays.hashCode(kernel);
  }

  @Override
  public String toString() {
    return "CpConv[rank "
        + rank()
        + ", kernel "
        + Arrays.toString(kernel)
        + (isSeparable() ? ", separable" : "")
        + "]";
  }
}
