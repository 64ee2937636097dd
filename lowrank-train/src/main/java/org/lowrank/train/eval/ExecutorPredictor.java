package org.lowrank.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.lowrank.train.data.Batch;
import org.lowrank.train.exec.GraphExecutor;

/** Eval-mode predictions of a single-input, single-output {@link GraphExecutor}. */
public final class ExecutorPredictor implements Predictor {
  private final GraphExecutor executor;

  public ExecutorPredictor(GraphExecutor executor) {
    ModelInputs.requireSingleInput(executor);
    this.executor = executor;
  }

  @Override
  public float[] logits(Batch batch) {
    return GraphExecutor.withoutGradients(() -> compute(batch));
  }

  private float[] compute(Batch batch) {
    try (NDManager m = executor.manager().newSubManager()) {
      NDArray x = m.create(batch.data(), new Shape(batch.shape()));
      NDList out = executor.forward(m, new NDList(x), false);
      return out.head().toFloatArray();
    }
  }
}
