package org.lowrank.decomp;

import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * Tucker-2 of a conv kernel W[Cout, Cin, k_1..k_d] (Kim et al. 2016): partial Tucker over the two
 * channel modes, W ~ G ×_0 U_out ×_1 U_in with U_out[Cout, r1], U_in[Cin, r2], G[r1, r2, k_1..k_d].
 * See {@link TuckerTensor} for the conv chain. Ranks: (r1, r2) = (output rank, input rank).
 */
public final class Tucker2 implements Factorizer<TuckerTensor> {
  private final Tucker tucker;

  private Tucker2(Tucker tucker) {
    this.tucker = tucker;
  }

  /** HOOI with the default backend. */
  public static Tucker2 create() {
    return create(Tucker.Method.HOOI, LinearAlgebra.defaultInstance());
  }

  public static Tucker2 create(Tucker.Method method, LinearAlgebra la) {
    return new Tucker2(
        Tucker.builder()
            .optMethod(Objects.requireNonNull(method))
            .optLinearAlgebra(la)
            .optModes(0, 1)
            .build());
  }

  /** {@code ranks} = (r1 for Cout in 1..Cout, r2 for Cin in 1..Cin). */
  @Override
  public TuckerTensor factorize(DenseTensor kernel, int... ranks) {
    ConvKernels.requireKernel("Tucker2", kernel);
    Checks.requireRankCount("Tucker2", ranks, 2, "r1 for Cout, r2 for Cin");
    return tucker.factorize(kernel, ranks);
  }

  /** Cout r1 + Cin r2 + r1 r2 K (K = prod k_i). */
  public static long parameterCount(int cout, int cin, int kernelElems, int r1, int r2) {
    return (long) cout * r1 + (long) cin * r2 + (long) r1 * r2 * kernelElems;
  }
}
