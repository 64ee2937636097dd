package org.lowrank.decomp;

import java.util.Arrays;
import org.lowrank.tensor.DenseTensor;

/**
 * A rank-r matrix W[m, n] ~ A[m, r] B[r, n]. Produced by {@link TruncatedSvd} (A = U S^(1/2), B =
 * S^(1/2) V^T by default, see {@link TruncatedSvd.Split}) and {@link PivotedQr} (A = Q_r, B = R_r
 * P^T). A dense layer y = W x becomes y = A (B x): two layers with r(m + n) weights.
 */
public final class LowRankMatrix implements FactorizedTensor {
  private final DenseTensor left;
  private final DenseTensor right;

  /** A[m, r] and B[r, n]. */
  public LowRankMatrix(DenseTensor left, DenseTensor right) {
    if (left.order() != 2 || right.order() != 2 || left.dim(1) != right.dim(0)) {
      throw new IllegalArgumentException(
          "LowRankMatrix needs A[m, r] and B[r, n], got "
              + Arrays.toString(left.shape())
              + " and "
              + Arrays.toString(right.shape()));
    }
    this.left = left;
    this.right = right;
  }

  /** A, shape [m, r]. */
  public DenseTensor left() {
    return left;
  }

  /** B, shape [r, n]. */
  public DenseTensor right() {
    return right;
  }

  /** r. */
  public int rank() {
    return left.dim(1);
  }

  public int rows() {
    return left.dim(0);
  }

  public int cols() {
    return right.dim(1);
  }

  @Override
  public int[] shape() {
    return new int[] {rows(), cols()};
  }

  @Override
  public int[] ranks() {
    return new int[] {rank()};
  }

  @Override
  public DenseTensor reconstruct() {
    return left.matmul(right);
  }

  @Override
  public long parameterCount() {
    return parameterCount(rows(), cols(), rank());
  }

  /** r (m + n): parameters of a rank-r factorization of an m x n matrix. */
  public static long parameterCount(int m, int n, int r) {
    return (long) r * ((long) m + n);
  }

  @Override
  public String toString() {
    return "LowRankMatrix[" + rows() + "x" + cols() + ", rank " + rank() + "]";
  }
}
