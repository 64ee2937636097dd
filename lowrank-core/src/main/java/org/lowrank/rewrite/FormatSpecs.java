package org.lowrank.rewrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank.decomp.ConvTensorTrain;
import org.lowrank.decomp.CpTensor;
import org.lowrank.decomp.LowRankMatrix;
import org.lowrank.decomp.TtMatrix;
import org.lowrank.decomp.TuckerTensor;
import org.lowrank.graph.TensorValue;
import org.lowrank.tensor.DenseTensor;

/**
 * Converts the factorized formats of {@code org.lowrank.decomp} (double) into rewrite specs
 * (float32 factor tensors), for callers that run a decomposition themselves (e.g. a rank search
 * that fine-tunes factors) instead of going through {@link LayerFactorizer}.
 */
public final class FormatSpecs {
  private FormatSpecs() {}

  /**
   * Tucker-2 of a conv kernel: modes {0, 1} factored, core [r_out, r_in, k..].
   *
   * @throws IllegalArgumentException when the factored modes are not exactly {0, 1}
   */
  public static Tucker2Conv tucker2(TuckerTensor t) {
    if (!Arrays.equals(t.factoredModes(), new int[] {0, 1})) {
      throw new IllegalArgumentException(
          "Tucker-2 conv needs factors on modes {0, 1} (Cout, Cin), found "
              + Arrays.toString(t.factoredModes()));
    }
    return new Tucker2Conv(
        tensor(t.factor(0).orElseThrow()), tensor(t.core()), tensor(t.factor(1).orElseThrow()));
  }

  /**
   * 3-core TT of a conv kernel: G1 [Cout, r1], G2 [r1, K, r2] viewed as [r1, k.., r2], G3 [r2,
   * Cin].
   */
  public static TtConv tt(ConvTensorTrain tt) {
    int[] k = tt.spatialShape();
    int[] mid = new int[k.length + 2];
    mid[0] = tt.rank1();
    System.arraycopy(k, 0, mid, 1, k.length);
    mid[k.length + 1] = tt.rank2();
    return new TtConv(
        tensor(tt.outputFactor()), tensor(tt.core().reshape(mid)), tensor(tt.inputFactor()));
  }

  /**
   * CP of a conv kernel: either of the 3-way view [Cout, K, Cin] (CP3, {@code kernel} gives k..) or
   * of [Cout, k_1..k_d, Cin] (separable; {@code kernel} must equal the middle modes). Lambda is
   * spread evenly over the factors: column r of each of the n factors is scaled by |lambda_r|^(1/n)
   * (the sign goes to the output factor), so the spec's weights are all ones. The product is
   * unchanged, but no factor carries the whole scale: fine-tuning then sees comparable gradients on
   * every factor (with the scale on one factor, SGD blew the CP chains up in the first steps).
   *
   * @throws IllegalArgumentException when the CP modes fit neither layout
   */
  public static CpConv cp(CpTensor cp, long... kernel) {
    int n = cp.order();
    long kk = Arrays.stream(kernel).reduce(1, (a, b) -> a * b);
    double[] lambda = cp.weights();
    float[] share = new float[lambda.length];
    float[] signedShare = new float[lambda.length];
    for (int r = 0; r < lambda.length; r++) {
      share[r] = (float) Math.pow(Math.abs(lambda[r]), 1.0 / n);
      signedShare[r] = lambda[r] < 0 ? -share[r] : share[r];
    }
    TensorValue out = Tensors.scaleColumns(tensor(cp.factor(0)), signedShare);
    TensorValue in = Tensors.scaleColumns(tensor(cp.factor(n - 1)), share);
    if (n == 3 && cp.factor(1).dim(0) == kk) {
      return CpConv.cp3(out, Tensors.scaleColumns(tensor(cp.factor(1)), share), in, kernel);
    }
    if (n == kernel.length + 2) {
      List<TensorValue> axes = new ArrayList<>();
      for (int j = 1; j < n - 1; j++) {
        axes.add(Tensors.scaleColumns(tensor(cp.factor(j)), share));
      }
      return new CpConv(out, axes, in, kernel, null);
    }
    throw new IllegalArgumentException(
        "CP tensor of shape "
            + Arrays.toString(cp.shape())
            + " fits neither [Cout, K, Cin] nor"
            + " [Cout, k.., Cin] for kernel "
            + Arrays.toString(kernel));
  }

  /** Rank-r dense factorization W [out, in] = A [out, r] B [r, in]. */
  public static LowRankDense lowRank(String method, LowRankMatrix m) {
    return new LowRankDense(method, tensor(m.left()), tensor(m.right()));
  }

  /** TT-matrix with cores [r_{k-1}, m_k (out), n_k (in), r_k]. */
  public static TtMatrixDense ttMatrix(TtMatrix tt) {
    List<TensorValue> cores = new ArrayList<>();
    for (DenseTensor g : tt.cores()) {
      cores.add(tensor(g));
    }
    return new TtMatrixDense(cores);
  }

  /** A double tensor as a float32 TensorValue of the same shape. */
  public static TensorValue tensor(DenseTensor t) {
    return TensorValue.ofFloats(Arrays.stream(t.shape()).asLongStream().toArray(), t.toFloats());
  }

  /** A float32 TensorValue widened to a double tensor. */
  public static DenseTensor dense(TensorValue t) {
    int[] shape = Arrays.stream(t.dims()).mapToInt(Math::toIntExact).toArray();
    return DenseTensor.fromFloats(t.toFloatArray(), shape);
  }
}
