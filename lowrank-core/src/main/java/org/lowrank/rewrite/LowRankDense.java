package org.lowrank.rewrite;

import java.util.Arrays;
import org.lowrank.graph.TensorValue;

/**
 * Rank-r dense layer {@code W ≈ L R} (W [out, in], y = x W^T + b), run as two Gemm/MatMul ops:
 * first {@code h = x R^T} (in -> r), then {@code y = h L^T + b} (r -> out). From a truncated SVD
 * {@code L = U_r S_r, R = V_r^T}; from a column-pivoted QR {@code L = Q_r, R = R_r P^T}. Parameters
 * {@code r*(out + in)}.
 *
 * @param method tag for node names, e.g. "svd" or "qr"
 * @param left L [out, r]
 * @param right R [r, in]
 */
public record LowRankDense(String method, TensorValue left, TensorValue right)
    implements FactorizedLayer {

  public LowRankDense {
    if (method == null || !method.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "method tag must be a lowercase identifier such as \"svd\", found '" + method + "'");
    }
    Tensors.requireRank(left, 2, "low-rank left factor L [out, r]");
    Tensors.requireRank(right, 2, "low-rank right factor R [r, in]");
    if (left.dim(1) != right.dim(0)) {
      throw new IllegalArgumentException(
          "low-rank factors disagree: L "
              + Arrays.toString(left.dims())
              + ", R "
              + Arrays.toString(right.dims()));
    }
  }

  /** An SVD-tagged factorization. */
  public static LowRankDense of(TensorValue left, TensorValue right) {
    return new LowRankDense("svd", left, right);
  }

  public long rank() {
    return left.dim(1);
  }

  @Override
  public boolean forConv() {
    return false;
  }

  @Override
  public long[] ranks() {
    return new long[] {rank()};
  }

  @Override
  public long parameterCount() {
    return left.elementCount() + right.elementCount();
  }

  @Override
  public TensorValue reconstruct() {
    return Tensors.matmul(left, right);
  }
}
