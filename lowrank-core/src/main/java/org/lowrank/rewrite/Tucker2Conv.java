package org.lowrank.rewrite;

import java.util.Arrays;
import org.lowrank.graph.TensorValue;

/**
 * Tucker-2 convolution: {@code W[o,i,s] = sum_{a,b} U_out[o,a] G[a,b,s] U_in[i,b]}, run as a 1x1
 * conv (Cin -> r_in, weight U_in^T), a kxk conv (r_in -> r_out, weight G, keeps stride, padding,
 * dilation) and a 1x1 conv (r_out -> Cout, weight U_out, keeps the bias). Parameters {@code
 * Cout*r_out + r_out*r_in*K + r_in*Cin} with K the kernel volume.
 *
 * @param outFactor U_out [Cout, r_out]
 * @param core G [r_out, r_in, k_1..k_d]
 * @param inFactor U_in [Cin, r_in]
 */
public record Tucker2Conv(TensorValue outFactor, TensorValue core, TensorValue inFactor)
    implements FactorizedLayer {

  public Tucker2Conv {
    Tensors.requireRank(outFactor, 2, "Tucker-2 output factor U_out [Cout, r_out]");
    Tensors.requireRank(inFactor, 2, "Tucker-2 input factor U_in [Cin, r_in]");
    if (core.rank() < 3 || core.rank() > 5) {
      throw new IllegalArgumentException(
          "Tucker-2 core must be [r_out, r_in, k_1..k_d] with d in 1..3, found "
              + Arrays.toString(core.dims()));
    }
    if (core.dim(0) != outFactor.dim(1) || core.dim(1) != inFactor.dim(1)) {
      throw new IllegalArgumentException(
          "Tucker-2 ranks disagree: U_out "
              + Arrays.toString(outFactor.dims())
              + ", core "
              + Arrays.toString(core.dims())
              + ", U_in "
              + Arrays.toString(inFactor.dims()));
    }
  }

  @Override
  public String method() {
    return "tucker2";
  }

  @Override
  public boolean forConv() {
    return true;
  }

  /** {r_out, r_in}. */
  @Override
  public long[] ranks() {
    return new long[] {core.dim(0), core.dim(1)};
  }

  /** Kernel sizes k_1..k_d. */
  public long[] kernel() {
    return Arrays.copyOfRange(core.dims(), 2, core.rank());
  }

  /**
   * True when r_in = C_in: U_in is square and the rewrite folds it into the core, emitting two
   * convs (kxk C_in->r_out with {@link #coreTimesIn()}, then 1x1 U_out): the truncated SVD of the
   * output-mode unfolding W_(1) [C_out, C_in K] (channel decomposition).
   */
  public boolean foldsInput() {
    return core.dim(1) == inFactor.dim(0);
  }

  /**
   * True when r_out = C_out (and not {@link #foldsInput()}): U_out is square and the rewrite folds
   * it into the core, emitting 1x1 U_in^T then kxk r_in->C_out with {@link #outTimesCore()}.
   */
  public boolean foldsOutput() {
    return !foldsInput() && core.dim(0) == outFactor.dim(0);
  }

  /** G x_2 U_in: [r_out, C_in, k..], the kxk conv of the input-folded form. */
  public TensorValue coreTimesIn() {
    long rOut = core.dim(0);
    long rIn = core.dim(1);
    long cin = inFactor.dim(0);
    long kk = Tensors.product(kernel());
    TensorValue t = Tensors.permute(core.reshape(new long[] {rOut, rIn, kk}), 0, 2, 1);
    t = Tensors.matmul(t.reshape(new long[] {rOut * kk, rIn}), Tensors.transpose(inFactor));
    t = Tensors.permute(t.reshape(new long[] {rOut, kk, cin}), 0, 2, 1);
    return t.reshape(Tensors.concat(new long[] {rOut, cin}, kernel()));
  }

  /** U_out G (mode 1): [C_out, r_in, k..], the kxk conv of the output-folded form. */
  public TensorValue outTimesCore() {
    long rOut = core.dim(0);
    long rIn = core.dim(1);
    long kk = Tensors.product(kernel());
    TensorValue t = Tensors.matmul(outFactor, core.reshape(new long[] {rOut, rIn * kk}));
    return t.reshape(Tensors.concat(new long[] {outFactor.dim(0), rIn}, kernel()));
  }

  /** Weights of the emitted convs (two when a square factor is folded, else three). */
  @Override
  public long parameterCount() {
    long kk = Tensors.product(kernel());
    if (foldsInput()) {
      return outFactor.elementCount() + core.dim(0) * inFactor.dim(0) * kk;
    }
    if (foldsOutput()) {
      return outFactor.dim(0) * core.dim(1) * kk + inFactor.elementCount();
    }
    return outFactor.elementCount() + core.elementCount() + inFactor.elementCount();
  }

  @Override
  public TensorValue reconstruct() {
    long cout = outFactor.dim(0);
    long cin = inFactor.dim(0);
    long rOut = core.dim(0);
    long rIn = core.dim(1);
    long[] k = kernel();
    long kk = Tensors.product(k);
    // U_out * G: [Cout, r_in*K] -> [Cout, K, r_in]
    TensorValue t = Tensors.matmul(outFactor, core.reshape(new long[] {rOut, rIn * kk}));
    t = Tensors.permute(t.reshape(new long[] {cout, rIn, kk}), 0, 2, 1);
    // (.) * U_in^T: [Cout*K, Cin] -> [Cout, Cin, K]
    t = Tensors.matmul(t.reshape(new long[] {cout * kk, rIn}), Tensors.transpose(inFactor));
    t = Tensors.permute(t.reshape(new long[] {cout, kk, cin}), 0, 2, 1);
    return t.reshape(Tensors.concat(new long[] {cout, cin}, k));
  }
}
