package org.lowrank.train.eval;

import java.util.Map;
import org.lowrank.graph.TensorValue;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.train.data.Batch;

/** ONNX Runtime predictions (test helper: lowrank-train uses ORT only in tests). */
public final class OrtPredictor implements Predictor {
  private final OrtRunner runner;

  public OrtPredictor(OrtRunner runner) {
    this.runner = runner;
  }

  @Override
  public float[] logits(Batch batch) {
    TensorValue x = TensorValue.ofFloats(batch.shape(), batch.data());
    Map<String, TensorValue> out = runner.run(Map.of(runner.inputNames().get(0), x));
    return out.get(runner.outputNames().get(0)).toFloatArray();
  }
}
