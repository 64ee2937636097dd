package org.lowrank.train.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.train.exec.GraphExecutor;

class ParameterUpdaterTest {

  /**
   * One forward/backward of the tiny CNN on a 1x1x8x8 batch filled with {@code pixel}, then a step.
   */
  private static double step(GraphExecutor ex, ParameterUpdater u, float pixel) {
    try (NDManager m = ex.manager().newSubManager()) {
      float[] x = new float[64];
      Arrays.fill(x, pixel);
      NDArray in = m.create(x, new Shape(1, 1, 8, 8));
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y =
            ex.forward(m, Map.of(ex.inputNames().get(0), in), true, java.util.List.of())
                .get(ex.outputNames().get(0));
        gc.backward(y.square().sum());
      }
      double norm = u.step(m, 0.01);
      ex.zeroGradients();
      return norm;
    }
  }

  @Test
  void aNonFiniteGradientSkipsTheUpdateAndAFiniteOneApplies() {
    FineTuneConfig cfg =
        FineTuneConfig.builder()
            .optOptimizer(OptimizerKind.ADAM)
            .optLearningRate(0.01)
            .optGradientClipNorm(5)
            .build();
    try (GraphExecutor ex = GraphExecutor.of(FineTunerTest.tinyCnn(3));
        ParameterUpdater u = new ParameterUpdater(cfg, ex)) {
      float[] before = ex.value("w").toFloatArray();
      double nan = step(ex, u, Float.NaN);
      assertFalse(
          Double.isFinite(nan), "the NaN batch should give a non-finite gradient norm: " + nan);
      assertArrayEquals(before, ex.value("w").toFloatArray(), "a skipped step changed the weights");
      double ok = step(ex, u, 0.5f);
      assertTrue(Double.isFinite(ok) && ok > 0, "norm " + ok);
      float[] after = ex.value("w").toFloatArray();
      assertFalse(Arrays.equals(before, after), "a finite step did not update");
      for (float v : after) {
        assertTrue(Float.isFinite(v), "non-finite weight after the finite step");
      }
    }
  }
}
