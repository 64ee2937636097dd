package org.lowrank.train.eval;

import org.lowrank.train.data.Batch;

/**
 * Anything that maps a batch of images to class scores: the DJL executor ({@link
 * ExecutorPredictor}), or an ONNX Runtime session wrapped by the caller.
 */
@FunctionalInterface
public interface Predictor {
  /** Scores (logits) of the batch, row-major [batch.size(), numClasses]. */
  float[] logits(Batch batch);
}
