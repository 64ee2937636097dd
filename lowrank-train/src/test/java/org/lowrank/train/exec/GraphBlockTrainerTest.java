package org.lowrank.train.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Model;
import org.lowrank.train.finetune.FineTunerTest;

/** The executor's DJL block trains with DJL's own Trainer and optimizers. */
class GraphBlockTrainerTest {

  @Test
  void djlTrainerUpdatesExecutorParameters() {
    Model m = FineTunerTest.tinyCnn(3);
    try (GraphExecutor ex = GraphExecutor.of(m);
        ai.djl.Model djl = ai.djl.Model.newInstance("tiny", "PyTorch")) {
      djl.setBlock(ex.block());
      DefaultTrainingConfig cfg =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
      float[] before = ex.parameters().get("wf").getArray().toFloatArray();
      try (Trainer trainer = djl.newTrainer(cfg)) {
        trainer.initialize(new Shape(4, 1, 8, 8));
        assertEquals(
            new Shape(4, 3), ex.block().getOutputShapes(new Shape[] {new Shape(4, 1, 8, 8)})[0]);
        Random r = new Random(1);
        float[] x = new float[4 * 64];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) r.nextGaussian();
        }
        try (ai.djl.ndarray.NDManager bm = ex.manager().newSubManager()) {
          NDArray data = bm.create(x, new Shape(4, 1, 8, 8));
          NDArray labels = bm.create(new float[] {0, 1, 2, 0});
          Batch batch = new Batch(bm, new NDList(data), new NDList(labels), 4, null, null, 0, 1);
          EasyTrain.trainBatch(trainer, batch);
          trainer.step();
        }
      }
      float[] after = ex.parameters().get("wf").getArray().toFloatArray();
      double diff = 0;
      for (int i = 0; i < after.length; i++) {
        diff += Math.abs(after[i] - before[i]);
      }
      assertTrue(diff > 0, "DJL optimizer changed no weight");
      assertEquals(
          m.graph().initializers().get("wf").dims().length,
          ex.exportWeights().graph().initializers().get("wf").dims().length);
    }
  }
}
