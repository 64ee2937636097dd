package org.lowrank.decomp;

import java.util.Arrays;
import org.lowrank.tensor.DenseTensor;

/** Views of a conv kernel W[Cout, Cin, k_1..k_d] (d = 1, 2, 3) used by the conv decompositions. */
public final class ConvKernels {
  private ConvKernels() {}

  /**
   * The 3-way view T[Cout, K, Cin], K = prod k_i (RENE's [Cout | k*k | Cin]): T[t, s, c] = W[t, c,
   * s_1..s_d] with s the row-major index of the spatial position.
   */
  public static DenseTensor threeWay(DenseTensor kernel) {
    requireKernel("threeWay", kernel);
    int n = kernel.order();
    int[] perm = new int[n];
    perm[0] = 0;
    for (int k = 2; k < n; k++) {
      perm[k - 1] = k;
    }
    perm[n - 1] = 1;
    int cout = kernel.dim(0);
    int cin = kernel.dim(1);
    return kernel.permute(perm).reshape(cout, kernel.size() / Math.max(1, cout * cin), cin);
  }

  /** Inverse of {@link #threeWay}: T[Cout, K, Cin] back to W[Cout, Cin, spatial...]. */
  public static DenseTensor fromThreeWay(DenseTensor t, int... spatial) {
    if (t.order() != 3 || Checks.product(spatial) != t.dim(1)) {
      throw new IllegalArgumentException(
          "fromThreeWay: expected [Cout, "
              + Checks.product(spatial)
              + ", Cin] for spatial "
              + Arrays.toString(spatial)
              + ", got "
              + Arrays.toString(t.shape()));
    }
    int d = spatial.length;
    int[] s = new int[d + 2];
    s[0] = t.dim(0);
    System.arraycopy(spatial, 0, s, 1, d);
    s[d + 1] = t.dim(2);
    int[] perm = new int[d + 2];
    perm[0] = 0;
    perm[1] = d + 1;
    for (int k = 0; k < d; k++) {
      perm[k + 2] = k + 1;
    }
    return t.reshape(s).permute(perm);
  }

  /** The spatial sizes k_1..k_d of a kernel. */
  public static int[] spatialShape(DenseTensor kernel) {
    requireKernel("spatialShape", kernel);
    return Arrays.copyOfRange(kernel.shape(), 2, kernel.order());
  }

  static void requireKernel(String op, DenseTensor kernel) {
    if (kernel.order() < 3 || kernel.order() > 5) {
      throw new IllegalArgumentException(
          op
              + ": expected a conv kernel [Cout, Cin, k_1..k_d] with d = 1..3, got shape "
              + Arrays.toString(kernel.shape()));
    }
  }
}
