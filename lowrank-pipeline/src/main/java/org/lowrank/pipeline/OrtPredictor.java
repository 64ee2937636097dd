package org.lowrank.pipeline;

import org.lowrank.graph.TensorValue;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.train.data.Batch;
import org.lowrank.train.eval.Predictor;

/** Class scores from an ONNX Runtime session: the deployment view of a model, for evaluation. */
public final class OrtPredictor implements Predictor {
  private final OrtRunner runner;

  public OrtPredictor(OrtRunner runner) {
    this.runner = runner;
  }

  @Override
  public float[] logits(Batch batch) {
    return runner.run(TensorValue.ofFloats(batch.shape(), batch.data())).toFloatArray();
  }
}
