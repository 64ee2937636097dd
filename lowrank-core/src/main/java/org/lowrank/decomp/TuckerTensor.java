package org.lowrank.decomp;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.lowrank.tensor.DenseTensor;

/**
 * A (partial) Tucker tensor: X = G ×_{k in S} U_k for a subset S of the modes ("factored modes"),
 * with core G and factors U_k[I_k, r_k] (orthonormal columns when produced by {@link Tucker}). The
 * core has size r_k on factored modes and the full size I_k on the others.
 *
 * <p>Tucker-2 of a conv kernel W[Cout, Cin, k_1..k_d] on modes {0, 1}: U_0[Cout, r1], U_1[Cin, r2],
 * G[r1, r2, k_1..k_d]. Conv chain: 1x1 with weight U_1^T [r2, Cin] (Cin -> r2), the k_1 x .. x k_d
 * conv with weight G (r2 -> r1, original stride/padding/dilation), 1x1 with weight U_0 [Cout, r1]
 * (r1 -> Cout, original bias).
 */
public final class TuckerTensor implements FactorizedTensor {
  private final DenseTensor core;
  private final int[] modes;
  private final List<DenseTensor> factors;
  private final int[] shape;

  /**
   * @param core G
   * @param modes the factored modes, strictly increasing
   * @param factors U_k for each entry of {@code modes}, shape [I_k, core.dim(k)]
   */
  public TuckerTensor(DenseTensor core, int[] modes, List<DenseTensor> factors) {
    if (modes.length != factors.size()) {
      throw new IllegalArgumentException(
          "TuckerTensor: " + modes.length + " modes but " + factors.size() + " factors");
    }
    shape = core.shape();
    for (int t = 0; t < modes.length; t++) {
      int k = modes[t];
      if (k < 0 || k >= shape.length || (t > 0 && modes[t - 1] >= k)) {
        throw new IllegalArgumentException(
            "TuckerTensor: modes must be strictly increasing in 0.."
                + (shape.length - 1)
                + ", got "
                + Arrays.toString(modes));
      }
      DenseTensor u = factors.get(t);
      if (u.order() != 2 || u.dim(1) != shape[k]) {
        throw new IllegalArgumentException(
            "TuckerTensor: factor of mode "
                + k
                + " must be [I_"
                + k
                + ", "
                + shape[k]
                + "], got "
                + Arrays.toString(u.shape()));
      }
      shape[k] = u.dim(0);
    }
    this.core = core;
    this.modes = modes.clone();
    this.factors = List.copyOf(factors);
  }

  /** G: r_k on factored modes, I_k elsewhere. */
  public DenseTensor core() {
    return core;
  }

  /** The factored modes, increasing. */
  public int[] factoredModes() {
    return modes.clone();
  }

  /** U_k[I_k, r_k] if mode k is factored. */
  public Optional<DenseTensor> factor(int mode) {
    for (int t = 0; t < modes.length; t++) {
      if (modes[t] == mode) {
        return Optional.of(factors.get(t));
      }
    }
    return Optional.empty();
  }

  /** The factors in the order of {@link #factoredModes()}. */
  public List<DenseTensor> factors() {
    return factors;
  }

  /** The core shape (r_k on factored modes, I_k on the others). */
  public int[] coreShape() {
    return core.shape();
  }

  /** r_k for the factored modes, in the order of {@link #factoredModes()}. */
  @Override
  public int[] ranks() {
    int[] r = new int[modes.length];
    for (int t = 0; t < modes.length; t++) {
      r[t] = core.dim(modes[t]);
    }
    return r;
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public DenseTensor reconstruct() {
    DenseTensor x = core;
    for (int t = 0; t < modes.length; t++) {
      x = x.modeProduct(factors.get(t), modes[t]);
    }
    return x;
  }

  @Override
  public long parameterCount() {
    return parameterCount(shape, modes, ranks());
  }

  /**
   * Core size plus factor sizes: prod_k c_k + sum_{k in S} I_k r_k, c_k = r_k on factored modes and
   * I_k elsewhere.
   */
  public static long parameterCount(int[] shape, int[] modes, int[] ranks) {
    if (modes.length != ranks.length) {
      throw new IllegalArgumentException(
          "parameterCount: " + modes.length + " modes but " + ranks.length + " ranks");
    }
    int[] c = shape.clone();
    long factorsSize = 0;
    for (int t = 0; t < modes.length; t++) {
      c[modes[t]] = ranks[t];
      factorsSize += (long) shape[modes[t]] * ranks[t];
    }
    return Checks.product(c) + factorsSize;
  }

  @Override
  public String toString() {
    return "TuckerTensor["
        + Arrays.toString(shape)
        + ", modes "
        + Arrays.toString(modes)
        + ", ranks "
        + Arrays.toString(ranks())
        + "]";
  }
}
