package org.lowrank.decomp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank.tensor.DenseTensor;

/**
 * A CP (CANDECOMP/PARAFAC) tensor of rank R: X[i_0, ..., i_{N-1}] = sum_r lambda[r] prod_k A_k[i_k,
 * r], with weights lambda[R] and factors A_k[I_k, R]. For a conv kernel viewed as T[Cout, K, Cin]
 * (CP3) the rewrite is 1x1 (Cin -> R, A_2^T), depthwise (A_1), 1x1 (R -> Cout, A_0 lambda).
 *
 * <p>{@link #parameterCount()} is R sum_k I_k: the weights are assumed folded into one factor
 * ({@link #absorbWeights(int)}), as a deployed layer does.
 */
public final class CpTensor implements FactorizedTensor {
  private final double[] weights;
  private final List<DenseTensor> factors;
  private final int[] shape;

  /** lambda[R] and A_k[I_k, R]. */
  public CpTensor(double[] weights, List<DenseTensor> factors) {
    if (factors.isEmpty()) {
      throw new IllegalArgumentException("CpTensor needs at least one factor");
    }
    int r = weights.length;
    shape = new int[factors.size()];
    for (int k = 0; k < factors.size(); k++) {
      DenseTensor f = factors.get(k);
      if (f.order() != 2 || f.dim(1) != r) {
        throw new IllegalArgumentException(
            "CpTensor factor "
                + k
                + " must be [I_"
                + k
                + ", "
                + r
                + "], got "
                + Arrays.toString(f.shape()));
      }
      shape[k] = f.dim(0);
    }
    this.weights = weights.clone();
    this.factors = List.copyOf(factors);
  }

  /** R. */
  public int rank() {
    return weights.length;
  }

  /** N. */
  public int order() {
    return shape.length;
  }

  /** lambda (a copy). */
  public double[] weights() {
    return weights.clone();
  }

  /** A_k, shape [I_k, R]. */
  public DenseTensor factor(int mode) {
    return factors.get(mode);
  }

  /** All factors A_0..A_{N-1}. */
  public List<DenseTensor> factors() {
    return factors;
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public int[] ranks() {
    return new int[] {rank()};
  }

  /**
   * The same tensor with lambda multiplied into the columns of factor {@code mode} and unit
   * weights.
   */
  public CpTensor absorbWeights(int mode) {
    int r = rank();
    double[] a = factors.get(mode).toArray();
    for (int i = 0; i < a.length; i++) {
      a[i] *= weights[i % r];
    }
    List<DenseTensor> f = new ArrayList<>(factors);
    f.set(mode, DenseTensor.of(a, shape[mode], r));
    double[] ones = new double[r];
    Arrays.fill(ones, 1.0);
    return new CpTensor(ones, f);
  }

  /** X = (A_0 diag(lambda)) (A_1 ⊙ ... ⊙ A_{N-1})^T reshaped: one GEMM. */
  @Override
  public DenseTensor reconstruct() {
    DenseTensor first = absorbWeights(0).factor(0);
    if (order() == 1) {
      double[] s = new double[shape[0]];
      for (int i = 0; i < s.length; i++) {
        for (int c = 0; c < rank(); c++) {
          s[i] += first.get(i, c);
        }
      }
      return DenseTensor.of(s, shape);
    }
    DenseTensor kr =
        DenseTensor.khatriRao(factors.subList(1, factors.size()).toArray(new DenseTensor[0]));
    return first.matmul(kr.transpose()).reshape(shape);
  }

  @Override
  public long parameterCount() {
    return parameterCount(shape, rank());
  }

  /** R sum_k I_k: parameters of a rank-R CP tensor of the given shape (weights folded in). */
  public static long parameterCount(int[] shape, int rank) {
    long s = 0;
    for (int d : shape) {
      s += d;
    }
    return s * rank;
  }

  @Override
  public String toString() {
    return "CpTensor[" + Arrays.toString(shape) + ", rank " + rank() + "]";
  }
}
