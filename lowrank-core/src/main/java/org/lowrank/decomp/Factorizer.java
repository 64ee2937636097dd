package org.lowrank.decomp;

import org.lowrank.tensor.DenseTensor;

/**
 * A decomposition algorithm with a fixed configuration: input tensor and ranks in, format out. The
 * input is never modified; the same configuration (including seed) on the same input gives
 * bit-identical factors with the same BLAS thread count.
 *
 * @param <F> the produced format
 */
public interface Factorizer<F extends FactorizedTensor> {

  /**
   * Factorizes {@code input} at the given ranks (their number and meaning are documented by each
   * implementation).
   *
   * @throws IllegalArgumentException if a rank is outside its feasible range (the message names the
   *     range and the value found) or the input is not finite
   */
  F factorize(DenseTensor input, int... ranks);
}
