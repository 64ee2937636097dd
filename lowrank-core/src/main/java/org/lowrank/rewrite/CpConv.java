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

  @Override
  public TensorValue reconstruct() {
    long cout = outFactor.dim(0);
    long cin = inFactor.dim(0);
    long kk = Tensors.product(kernel);
    int r = (int) rank();
    float[] a = weightedOutFactor().toFloatArray();
    float[] b = fullSpatialFactor().toFloatArray();
    float[] c = inFactor.toFloatArray();
    float[] w = new float[Math.toIntExact(cout * cin * kk)];
    double[] acc = new double[(int) kk];
    for (int o = 0; o < cout; o++) {
      for (int i = 0; i < cin; i++) {
        Arrays.fill(acc, 0);
        for (int q = 0; q < r; q++) {
          double ac = (double) a[o * r + q] * c[i * r + q];
          for (int s = 0; s < kk; s++) {
            acc[s] += ac * b[s * r + q];
          }
        }
        int base = (int) ((o * cin + i) * kk);
        for (int s = 0; s < kk; s++) {
          w[base + s] = (float) acc[s];
        }
      }
    }
    return TensorValue.ofFloats(Tensors.concat(new long[] {cout, cin}, kernel), w);
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
