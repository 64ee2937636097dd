package org.lowrank.decomp;

import org.lowrank.tensor.DenseTensor;

/** An immutable factorized representation of a dense tensor. */
public interface FactorizedTensor {

  /** Shape of the dense tensor this represents. */
  int[] shape();

  /** The dense tensor the factors represent. */
  DenseTensor reconstruct();

  /** Number of stored numbers in the factors (what a deployed layer would hold). */
  long parameterCount();

  /** The ranks of the format (meaning documented per format). */
  int[] ranks();

  /** ||original - reconstruct()||_F / ||original||_F (see {@link DenseTensor#relativeError}). */
  default double relativeError(DenseTensor original) {
    return DenseTensor.relativeError(original, reconstruct());
  }

  /** Parameters of the dense tensor divided by {@link #parameterCount()}. */
  default double compressionRatio() {
    long dense = 1;
    for (int s : shape()) {
      dense *= s;
    }
    return (double) dense / Math.max(1, parameterCount());
  }
}
