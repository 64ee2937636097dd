package org.lowrank.train.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * Extension point for the validation-loss variant of method A: the logits follow L_a = L_val * L_r
 * instead of the reconstruction error, where L_val is computed by the caller (e.g. cross-entropy of
 * the model with the mixed weights on a small batch). The factors still follow the data-free L_W.
 */
@FunctionalInterface
public interface ValidationLoss {

  /**
   * Computes L_val for the current mixed weights. Must be differentiable (DJL autograd) with
   * respect to the given arrays, and must not keep them after returning.
   *
   * @param mixedWeights per layer name the mixed weight sum_r p_r What_r in the layer's original
   *     layout ([C_out, C_in, k...] or [out, in]) and scale
   * @param manager a manager for the step's temporary arrays (closed after the step)
   * @return a scalar loss
   */
  NDArray loss(Map<String, NDArray> mixedWeights, NDManager manager);
}
