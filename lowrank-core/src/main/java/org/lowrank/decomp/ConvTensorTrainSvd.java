package org.lowrank.decomp;

import java.util.List;
import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * TT-SVD of a conv kernel W[Cout, Cin, k_1..k_d] in the 3-core form of RENE (arXiv 2409.03555): the
 * view T[Cout, K, Cin] ({@link ConvKernels#threeWay}) factorized by two truncated SVDs into
 * G1[Cout, r1], G2[r1, K, r2], G3[r2, Cin], returned as a {@link ConvTensorTrain}. Ranks separate
 * (r1, r2) or tied (r1 = r2 = r).
 */
public final class ConvTensorTrainSvd implements Factorizer<ConvTensorTrain> {
  private static final String NAME = "ConvTensorTrainSvd";
  private final LinearAlgebra la;
  private final boolean exactSvd;

  private ConvTensorTrainSvd(LinearAlgebra la, boolean exactSvd) {
    this.la = Objects.requireNonNull(la);
    this.exactSvd = exactSvd;
  }

  public static ConvTensorTrainSvd create() {
    return new ConvTensorTrainSvd(LinearAlgebra.defaultInstance(), false);
  }

  public static ConvTensorTrainSvd create(LinearAlgebra la, boolean exactSvd) {
    return new ConvTensorTrainSvd(la, exactSvd);
  }

  /**
   * @param ranks (r1, r2) with r1 in 1..min(Cout, K Cin) and r2 in 1..min(r1 K, Cin), or a single
   *     tied rank r = r1 = r2
   */
  @Override
  public ConvTensorTrain factorize(DenseTensor kernel, int... ranks) {
    ConvKernels.requireKernel(NAME, kernel);
    if (ranks.length == 1) {
      ranks = new int[] {ranks[0], ranks[0]};
    }
    Checks.requireRankCount(NAME, ranks, 2, "(r1, r2), or one tied rank");
    Checks.requireFinite(NAME, kernel);
    DenseTensor t = ConvKernels.threeWay(kernel);
    List<DenseTensor> cores =
        TtSweep.sweep(la, t, TtSweep.fixed(NAME, ranks, kernel.shape()), exactSvd);
    DenseTensor g1 = cores.get(0);
    DenseTensor g3 = cores.get(2);
    return new ConvTensorTrain(
        g1.reshape(g1.dim(1), g1.dim(2)),
        cores.get(1),
        g3.reshape(g3.dim(0), g3.dim(1)),
        ConvKernels.spatialShape(kernel));
  }

  /** The largest ranks (exact representation): r1 = min(Cout, K Cin), r2 = min(r1 K, Cin). */
  public static int[] fullRanks(int cout, int cin, int kernelElems) {
    int r1 = Checks.clampToInt(Math.min(cout, (long) kernelElems * cin));
    int r2 = Checks.clampToInt(Math.min((long) r1 * kernelElems, cin));
    return new int[] {r1, r2};
  }

  /** Cout r1 + r1 K r2 + r2 Cin. */
  public static long parameterCount(int cout, int cin, int kernelElems, int r1, int r2) {
    return ConvTensorTrain.parameterCount(cout, cin, kernelElems, r1, r2);
  }
}
