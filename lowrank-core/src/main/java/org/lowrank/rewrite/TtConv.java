package org.lowrank.rewrite;

import java.util.Arrays;
import org.lowrank.graph.TensorValue;

/**
 * Tensor-Train convolution with three cores (the RENE view of {@code W} as a 3-way tensor [Cout, K,
 * Cin]): {@code W[o,i,s] = sum_{a,b} G1[o,a] G2[a,s,b] G3[b,i]}, run as a 1x1 conv (Cin -> r2,
 * weight G3), a kxk conv (r2 -> r1, weight G2 with axes (a, b, s)) and a 1x1 conv (r1 -> Cout,
 * weight G1, keeps the bias). Parameters {@code Cout*r1 + r1*K*r2 + r2*Cin}.
 *
 * @param first G1 [Cout, r1] (the first TT core without its leading unit rank)
 * @param middle G2 [r1, k_1..k_d, r2]
 * @param last G3 [r2, Cin] (the last TT core without its trailing unit rank)
 */
public record TtConv(TensorValue first, TensorValue middle, TensorValue last)
    implements FactorizedLayer {

  public TtConv {
    Tensors.requireRank(first, 2, "TT first core G1 [Cout, r1]");
    Tensors.requireRank(last, 2, "TT last core G3 [r2, Cin]");
    if (middle.rank() < 3 || middle.rank() > 5) {
      throw new IllegalArgumentException(
          "TT middle core must be [r1, k_1..k_d, r2] with d in 1..3, found "
              + Arrays.toString(middle.dims()));
    }
    if (middle.dim(0) != first.dim(1) || middle.dim(middle.rank() - 1) != last.dim(0)) {
      throw new IllegalArgumentException(
          "TT ranks disagree: G1 "
              + Arrays.toString(first.dims())
              + ", G2 "
              + Arrays.toString(middle.dims())
              + ", G3 "
              + Arrays.toString(last.dims()));
    }
  }

  @Override
  public String method() {
    return "tt";
  }

  @Override
  public boolean forConv() {
    return true;
  }

  /** {r1, r2}: r1 on the output side, r2 on the input side. */
  @Override
  public long[] ranks() {
    return new long[] {first.dim(1), last.dim(0)};
  }

  public long[] kernel() {
    return Arrays.copyOfRange(middle.dims(), 1, middle.rank() - 1);
  }

  /** Weights of the emitted convs: the Tucker-2 chain's, with a square end factor folded. */
  @Override
  public long parameterCount() {
    return asTucker2().parameterCount();
  }

  /** The same chain as Tucker-2: U_out = G1, core = G2 with axes (a, b, s), U_in = G3^T. */
  public Tucker2Conv asTucker2() {
    int r = middle.rank();
    int[] perm = new int[r];
    perm[0] = 0;
    perm[1] = r - 1;
    for (int j = 2; j < r; j++) {
      perm[j] = j - 1;
    }
    return new Tucker2Conv(first, Tensors.permute(middle, perm), Tensors.transpose(last));
  }

  @Override
  public TensorValue reconstruct() {
    return asTucker2().reconstruct();
  }
}
