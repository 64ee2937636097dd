package org.lowrank.ops;

import org.lowrank.graph.Node;

/**
 * The attributes of Gemm, read once from a node: {@code Y = alpha op(A) op(B) + beta C}, op(X) =
 * X^T when the transpose flag is set. Defaults follow the ONNX operator spec (no transposes, alpha
 * = beta = 1). With A [M, K] (or [K, M] when transposed) and B [K, N] (or [N, K]), Y is [M, N].
 * Shape inference, the layer profile, the rewriter and the executor all read this record.
 *
 * @param transA A enters transposed
 * @param transB B enters transposed
 * @param alpha the product's scale
 * @param beta the bias's scale
 */
public record GemmAttributes(boolean transA, boolean transB, float alpha, float beta) {

  /** The Gemm attributes of {@code n} (defaults where absent). */
  public static GemmAttributes of(Node n) {
    return new GemmAttributes(
        n.attrLong("transA", 0) != 0,
        n.attrLong("transB", 0) != 0,
        n.attrFloat("alpha", 1f),
        n.attrFloat("beta", 1f));
  }

  /** M: the rows of op(A), given A's shape [a0, a1]. */
  public long rows(long[] a) {
    return transA ? a[1] : a[0];
  }

  /** K: the columns of op(A), given A's shape [a0, a1]. */
  public long inner(long[] a) {
    return transA ? a[0] : a[1];
  }

  /** K as op(B) has it (its rows), given B's shape [b0, b1]. */
  public long innerOfB(long[] b) {
    return transB ? b[1] : b[0];
  }

  /** N: the columns of op(B), given B's shape [b0, b1]. */
  public long columns(long[] b) {
    return transB ? b[0] : b[1];
  }
}
