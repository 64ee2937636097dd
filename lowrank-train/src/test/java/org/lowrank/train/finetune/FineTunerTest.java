package org.lowrank.train.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.exec.GraphExecutor;

public class FineTunerTest {

  /** 1x8x8 images; class c has a bright 3x3 blob at one of three places, plus noise. */
  static ImageDataset blobs(int n, long seed) {
    return new ImageDataset() {
      public int size() { return n; }
      public int channels() { return 1; }
      public int height() { return 8; }
      public int width() { return 8; }
      public List<String> classNames() { return List.of("a", "b", "c"); }
      public Example get(int i) {
        Random r = new Random(seed * 31 + i);
        int c = i % 3;
        byte[] p = new byte[64];
        for (int k = 0; k < 64; k++) {
          p[k] = (byte) r.nextInt(60);
        }
        int oy = c == 2 ? 5 : 0;
        int ox = c == 1 ? 5 : 0;
        for (int y = 0; y < 3; y++) {
          for (int x = 0; x < 3; x++) {
            p[(oy + y) * 8 + ox + x] = (byte) 220;
          }
        }
        return new Example(p, c);
      }
      public String description() { return "blobs"; }
    };
  }

  static TensorValue rnd(Random r, float scale, long... dims) {
    float[] v = new float[(int) TensorValue.elementCount(dims)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian() * scale;
    }
    return TensorValue.ofFloats(dims, v);
  }

  public static Model tinyCnn(long seed) {
    Random r = new Random(seed);
    float[] ones = {1, 1, 1, 1};
    Graph g = Graph.builder().name("tiny")
        .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 1, 8, 8))
        .putInitializer("w", rnd(r, 0.3f, 4, 1, 3, 3)).putInitializer("b", rnd(r, 0.1f, 4))
        .putInitializer("s", TensorValue.ofFloats(new long[] {4}, ones))
        .putInitializer("bb", TensorValue.ofFloats(new long[] {4}, new float[4]))
        .putInitializer("m", TensorValue.ofFloats(new long[] {4}, new float[4]))
        .putInitializer("v", TensorValue.ofFloats(new long[] {4}, ones))
        .putInitializer("wf", rnd(r, 0.05f, 3, 256)).putInitializer("bf", rnd(r, 0.01f, 3))
        .addNode(Node.builder("Conv").name("conv").inputs("x", "w", "b").outputs("c").attrInts("pads", 1, 1, 1, 1).build())
        .addNode(Node.builder("BatchNormalization").name("bn").inputs("c", "s", "bb", "m", "v").outputs("n").build())
        .addNode(Node.builder("Relu").name("relu").inputs("n").outputs("a").build())
        .addNode(Node.builder("Flatten").name("flat").inputs("a").outputs("f").build())
        .addNode(Node.builder("Gemm").name("fc").inputs("f", "wf", "bf").outputs("y").attr("transB", 1L).build())
        .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 3)).build();
    return Model.of(g, 13);
  }

  private static EvaluationResult eval(Model m, DataLoader data) {
    try (GraphExecutor ex = GraphExecutor.of(m)) {
      return Evaluator.evaluate(new ExecutorPredictor(ex), data);
    }
  }

  @Test
  void sgdLearnsReproduciblyAndKeepsBestCheckpoint() {
    DataLoader train = DataLoader.builder(blobs(96, 1)).setBatchSize(16).optShuffle(3).optPrefetch(false).build();
    DataLoader val = DataLoader.builder(blobs(30, 2)).setBatchSize(30).build();
    Model start = tinyCnn(5);
    double before = eval(start, val).top1();
    List<FineTuneListener.StepEvent> steps = new ArrayList<>();
    FineTuneConfig cfg = FineTuneConfig.builder().optLearningRate(0.05).optEpochs(4).optWarmupSteps(3)
        .optGradientClipNorm(5).optValidation(val).optListener(new FineTuneListener() {
          @Override
          public void onStep(StepEvent e) {
            steps.add(e);
          }
        }).build();
    FineTuneResult r = FineTuner.run(start, train, cfg);
    assertEquals(24, r.steps());
    assertEquals(24, steps.size());
    assertEquals(4, r.epochs().size());
    assertTrue(steps.get(0).learningRate() < steps.get(3).learningRate(), "warm-up");
    assertTrue(steps.get(23).learningRate() < 0.01, "cosine decays to ~0");
    double after = eval(r.model(), val).top1();
    assertTrue(after >= 0.9 && after > before, "top-1 " + before + " -> " + after);
    assertEquals(r.bestValidationTop1(), after, 1e-9);
    // BN running statistics were updated in training mode and exported
    assertTrue(r.lastModel().graph().initializers().get("m").toFloatArray()[0] != 0f);
    FineTuneResult again = FineTuner.run(start, train, cfg);
    assertArrayEquals(r.lastModel().graph().initializers().get("wf").toFloatArray(),
        again.lastModel().graph().initializers().get("wf").toFloatArray(), 1e-6f);
  }

  @Test
  void adamWithDistillationAndLayerMatching() {
    DataLoader train = DataLoader.builder(blobs(48, 1)).setBatchSize(16).optShuffle(3).build();
    DataLoader val = DataLoader.builder(blobs(30, 2)).setBatchSize(15).build();
    Model teacher = FineTuner.run(tinyCnn(5), train,
        FineTuneConfig.builder().optLearningRate(0.05).optEpochs(4).build()).model();
    Model student = tinyCnn(9);
    FineTuneConfig cfg = FineTuneConfig.builder().optOptimizer(OptimizerKind.ADAM).optLearningRate(0.01)
        .optSteps(20).optTeacher(teacher).optLogitDistillation(2, 0.5)
        .optLayerMatching(List.of(new LayerPair("a", "a")), 0.5).build();
    FineTuneResult r = FineTuner.run(student, train, cfg);
    assertEquals(20, r.steps());
    assertTrue(eval(r.model(), val).top1() > 0.8, "distilled student learns");
    assertThrows(IllegalArgumentException.class, () -> FineTuner.run(student, train,
        FineTuneConfig.builder().optTeacher(teacher).optLayerMatching(List.of(new LayerPair("nope", "a")), 1).build()));
    assertThrows(IllegalArgumentException.class,
        () -> FineTuneConfig.builder().optLogitDistillation(2, 0.5).build());
  }

  @Test
  void aDivergingRunStopsAfterARunOfSkippedStepsWithAHint() {
    DataLoader train = DataLoader.builder(blobs(48, 1)).setBatchSize(4).build();
    // SGD at lr 1e12 without clipping overflows within a few steps, then every step is non-finite
    FineTuneConfig cfg = FineTuneConfig.builder().optLearningRate(1e12).optSteps(40).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> FineTuner.run(tinyCnn(2), train, cfg));
    assertTrue(e.getMessage().contains("stayed non-finite for " + FineTuner.MAX_CONSECUTIVE_SKIPS)
        && e.getMessage().contains("lower the learning rate"), e.getMessage());
  }

  @Test
  void datasetShapeMismatchIsReportedUpFront() {
    ImageDataset wrong = new ImageDataset() {
      public int size() { return 4; }
      public int channels() { return 3; }
      public int height() { return 8; }
      public int width() { return 8; }
      public List<String> classNames() { return List.of("a", "b", "c"); }
      public Example get(int i) { return new Example(new byte[192], 0); }
      public String description() { return "rgb"; }
    };
    DataLoader d = DataLoader.builder(wrong).setBatchSize(2).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FineTuner.run(tinyCnn(1), d, FineTuneConfig.builder().build()));
    assertTrue(e.getMessage().contains("optChannels"), e.getMessage());
  }
}
