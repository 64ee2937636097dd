package org.lowrank.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Model;
import org.lowrank.progress.ProgressListener;

class DemoTrainerTest {

  private static DemoTrainer shortRun(List<String> events) {
    return DemoTrainer.builder()
        .optSeed(5)
        .optEpochs(1)
        .optBatchSize(64)
        .optTrainLimit(2000)
        .optTestLimit(1000)
        .optListener(
            new ProgressListener() {
              @Override
              public void start(String task, long total) {
                events.add(task + " " + total);
              }

              @Override
              public void finish(String summary) {
                events.add("done " + summary);
              }
            })
        .build();
  }

  @Test
  void oneShortEpochLearnsFashionMnistDeterministically() throws Exception {
    List<String> events = new ArrayList<>();
    DemoTrainingResult r =
        shortRun(events).train(DemoModels.fashionCnn(1), FashionData.train(), FashionData.test());
    assertEquals(1000, r.test().examples());
    assertEquals(2000, r.trainImages());
    assertTrue(r.testTop1() > 0.6, "test top-1 after 2,000 images: " + r.testTop1());
    assertEquals(1, r.history().size());
    assertTrue(r.trainImagesPerSecond() > 0);
    assertEquals("train epoch 1/1 32", events.get(0));
    assertEquals("evaluate 16", events.get(2));
    assertTrue(events.get(3).startsWith("done test top-1"), events.toString());
    assertEquals("0.286", r.model().metadata().get(DemoTrainer.META_NORMALIZATION_MEAN));

    DemoTrainingResult again =
        shortRun(new ArrayList<>())
            .train(DemoModels.fashionCnn(1), FashionData.train(), FashionData.test());
    assertEquals(r.testTop1(), again.testTop1());
    assertArrayEquals(weights(r.model(), "fc1.weight"), weights(again.model(), "fc1.weight"));
  }

  private static float[] weights(Model m, String name) {
    return m.graph().initializers().get(name).toFloatArray();
  }

  @Test
  void settingsAreValidated() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> DemoTrainer.builder().optEpochs(0).build());
    assertTrue(e.getMessage().contains("epochs"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> DemoTrainer.builder().optLearningRate(-1).build());
  }
}
