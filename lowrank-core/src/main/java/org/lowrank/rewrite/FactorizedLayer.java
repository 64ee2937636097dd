package org.lowrank.rewrite;

import org.lowrank.graph.TensorValue;

/**
 * A layer in factorized form: the factor tensors that replace one Conv or dense (Gemm/MatMul)
 * weight. Conventions shared by all kinds:
 *
 * <ul>
 *   <li>conv weight {@code W [Cout, Cin, k_1..k_d]} (d = 1, 2, 3), as ONNX stores it;
 *   <li>dense weight {@code W [out, in]} in the {@code y = x W^T + b} convention, whatever the
 *       layout of the Gemm/MatMul node ({@link DenseLayer#weight()}).
 * </ul>
 *
 * The bias is never part of the factorization: the rewrite moves it to the last op of the chain.
 */
public sealed interface FactorizedLayer
    permits Tucker2Conv, CpConv, TtConv, LowRankDense, TtMatrixDense {

  /** Short lowercase method tag used in node names, e.g. "tucker2", "cp", "tt", "svd", "ttm". */
  String method();

  /** True for convolution factorizations, false for dense ones. */
  boolean forConv();

  /** The ranks, for reports (e.g. Tucker-2: {r_out, r_in}). */
  long[] ranks();

  /** Number of weights in the factors (bias excluded). */
  long parameterCount();

  /** The dense weight the factors represent, in the convention above (float32). */
  TensorValue reconstruct();
}
