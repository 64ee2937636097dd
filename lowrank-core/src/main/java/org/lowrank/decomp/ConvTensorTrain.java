package org.lowrank.decomp;

import java.util.Arrays;
import java.util.List;
import org.lowrank.tensor.DenseTensor;

/**
 * The 3-core tensor-train form of a conv kernel W[Cout, Cin, k_1..k_d] viewed as T[Cout, K, Cin], K
 * = prod k_i ({@link ConvKernels#threeWay}):
 *
 * <pre>
 *   T[t, s, c] = sum_{a, b} G1[t, a] G2[a, s, b] G3[b, c]     G1[Cout, r1], G2[r1, K, r2], G3[r2, Cin]
 * </pre>
 *
 * Conv chain (input to output): 1x1 conv Cin -> r2 with weight {@link #inputKernel()} = G3 as [r2,
 * Cin, 1..1]; k_1 x .. x k_d conv r2 -> r1 with weight {@link #coreKernel()} = G2 as [r1, r2,
 * k_1..k_d] (original stride, padding, dilation); 1x1 conv r1 -> Cout with weight {@link
 * #outputKernel()} = G1 as [Cout, r1, 1..1] (original bias). Parameters Cout r1 + r1 K r2 + r2 Cin.
 */
public final class ConvTensorTrain implements FactorizedTensor {
  private final DenseTensor outputFactor;
  private final DenseTensor core;
  private final DenseTensor inputFactor;
  private final int[] spatial;

  /**
   * @param outputFactor G1[Cout, r1]
   * @param core G2[r1, K, r2]
   * @param inputFactor G3[r2, Cin]
   * @param spatial k_1..k_d with prod = K
   */
  public ConvTensorTrain(
      DenseTensor outputFactor, DenseTensor core, DenseTensor inputFactor, int[] spatial) {
    if (outputFactor.order() != 2
        || core.order() != 3
        || inputFactor.order() != 2
        || outputFactor.dim(1) != core.dim(0)
        || core.dim(2) != inputFactor.dim(0)
        || core.dim(1) != Checks.product(spatial)) {
      throw new IllegalArgumentException(
          "ConvTensorTrain needs G1[Cout, r1], G2[r1, K, r2], G3[r2, Cin] with K = prod "
              + Arrays.toString(spatial)
              + ", got "
              + Arrays.toString(outputFactor.shape())
              + ", "
              + Arrays.toString(core.shape())
              + ", "
              + Arrays.toString(inputFactor.shape()));
    }
    this.outputFactor = outputFactor;
    this.core = core;
    this.inputFactor = inputFactor;
    this.spatial = spatial.clone();
  }

  /** G1[Cout, r1]. */
  public DenseTensor outputFactor() {
    return outputFactor;
  }

  /** G2[r1, K, r2]. */
  public DenseTensor core() {
    return core;
  }

  /** G3[r2, Cin]. */
  public DenseTensor inputFactor() {
    return inputFactor;
  }

  /** G2 as the middle conv's weight [r1, r2, k_1..k_d] (output channels r1, input channels r2). */
  public DenseTensor coreKernel() {
    int[] viewed = new int[spatial.length + 2];
    viewed[0] = rank1();
    System.arraycopy(spatial, 0, viewed, 1, spatial.length);
    viewed[spatial.length + 1] = rank2();
    // [r1, k.., r2] -> [r1, r2, k..]
    int[] perm = new int[spatial.length + 2];
    perm[1] = spatial.length + 1;
    for (int k = 0; k < spatial.length; k++) {
      perm[k + 2] = k + 1;
    }
    return core.reshape(viewed).permute(perm);
  }

  /** G3 as a 1x1 conv weight [r2, Cin, 1..1]. */
  public DenseTensor inputKernel() {
    return inputFactor.reshape(pointwise(rank2(), inputFactor.dim(1)));
  }

  /** G1 as a 1x1 conv weight [Cout, r1, 1..1]. */
  public DenseTensor outputKernel() {
    return outputFactor.reshape(pointwise(outputFactor.dim(0), rank1()));
  }

  private int[] pointwise(int out, int in) {
    int[] s = new int[spatial.length + 2];
    Arrays.fill(s, 1);
    s[0] = out;
    s[1] = in;
    return s;
  }

  public int rank1() {
    return core.dim(0);
  }

  public int rank2() {
    return core.dim(2);
  }

  /** k_1..k_d. */
  public int[] spatialShape() {
    return spatial.clone();
  }

  /** {r1, r2}. */
  @Override
  public int[] ranks() {
    return new int[] {rank1(), rank2()};
  }

  /** The kernel shape [Cout, Cin, k_1..k_d]. */
  @Override
  public int[] shape() {
    int[] s = new int[spatial.length + 2];
    s[0] = outputFactor.dim(0);
    s[1] = inputFactor.dim(1);
    System.arraycopy(spatial, 0, s, 2, spatial.length);
    return s;
  }

  /** The same factors as a 3-core {@link TensorTrain} of T[Cout, K, Cin]. */
  public TensorTrain asTensorTrain() {
    return new TensorTrain(
        List.of(
            outputFactor.reshape(1, outputFactor.dim(0), rank1()),
            core,
            inputFactor.reshape(rank2(), inputFactor.dim(1), 1)));
  }

  /** The kernel W[Cout, Cin, k_1..k_d]. */
  @Override
  public DenseTensor reconstruct() {
    return ConvKernels.fromThreeWay(asTensorTrain().reconstruct(), spatial);
  }

  @Override
  public long parameterCount() {
    return parameterCount(outputFactor.dim(0), inputFactor.dim(1), core.dim(1), rank1(), rank2());
  }

  /** Cout r1 + r1 K r2 + r2 Cin. */
  public static long parameterCount(int cout, int cin, int kernelElems, int r1, int r2) {
    return (long) cout * r1 + (long) r1 * kernelElems * r2 + (long) r2 * cin;
  }

  @Override
  public String toString() {
    return "ConvTensorTrain["
        + Arrays.toString(shape())
        + ", ranks "
        + rank1()
        + ", "
        + rank2()
        + "]";
  }
}
