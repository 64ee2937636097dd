package org.lowrank.train.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
      public int size() {
        return n;
      }

      public int channels() {
        return 1;
      }

      public int height() {
        return 8;
      }

      public int width() {
        return 8;
      }

      public List<String> classNames() {
        return List.of("a", "b", "c");
      }

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

      public String description() {
        return "blobs";
      }
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
    Graph g =
        Graph.builder()
            .name("tiny")
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 1, 8, 8))
            .putInitializer("w", rnd(r, 0.3f, 4, 1, 3, 3))
            .putInitializer("b", rnd(r, 0.1f, 4))
            .putInitializer("s", TensorValue.ofFloats(new long[] {4}, ones))
            .putInitializer("bb", TensorValue.ofFloats(new long[] {4}, new float[4]))
            .putInitializer("m", TensorValue.ofFloats(new long[] {4}, new float[4]))
            .putInitializer("v", TensorValue.ofFloats(new long[] {4}, ones))
            .putInitializer("wf", rnd(r, 0.05f, 3, 256))
            .putInitializer("bf", rnd(r, 0.01f, 3))
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("x", "w", "b")
                    .outputs("c")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(
                Node.builder("BatchNormalization")
                    .name("bn")
                    .inputs("c", "s", "bb", "m", "v")
                    .outputs("n")
                    .build())
            .addNode(Node.builder("Relu").name("relu").inputs("n").outputs("a").build())
            .addNode(Node.builder("Flatten").name("flat").inputs("a").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "wf", "bf")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 3))
            .build();
    return Model.of(g, 13);
  }

  private static EvaluationResult eval(Model m, DataLoader data) {
    try (GraphExecutor ex = GraphExecutor.of(m)) {
      return Evaluator.evaluate(new ExecutorPredictor(ex), data);
    }
  }

  @Test
  void sgdLearnsReproduciblyAndKeepsBestCheckpoint() {
    DataLoader train =
        DataLoader.builder(blobs(96, 1)).setBatchSize(16).optShuffle(3).optPrefetch(false).build();
    DataLoader val = DataLoader.builder(blobs(30, 2)).setBatchSize(30).build();
    Model start = tinyCnn(5);
    double before = eval(start, val).top1();
    List<FineTuneListener.StepEvent> steps = new ArrayList<>();
    FineTuneConfig cfg =
        FineTuneConfig.builder()
            .optLearningRate(0.05)
            .optEpochs(4)
            .optWarmupSteps(3)
            .optGradientClipNorm(5)
            .optValidation(val)
            .optListener(
                new FineTuneListener() {
                  @Override
                  public void onStep(StepEvent e) {
                    steps.add(e);
                  }
                })
            .build();
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
    assertArrayEquals(
        r.lastModel().graph().initializers().get("wf").toFloatArray(),
        again.lastModel().graph().initializers().get("wf").toFloatArray(),
        1e-6f);
  }

  @Test
  void adamWithDistillationAndLayerMatching() {
    DataLoader train = DataLoader.builder(blobs(48, 1)).setBatchSize(16).optShuffle(3).build();
    DataLoader val = DataLoader.builder(blobs(30, 2)).setBatchSize(15).build();
    Model teacher =
        FineTuner.run(
                tinyCnn(5),
                train,
                FineTuneConfig.builder().optLearningRate(0.05).optEpochs(4).build())
            .model();
    Model student = tinyCnn(9);
    FineTuneConfig cfg =
        FineTuneConfig.builder()
            .optOptimizer(OptimizerKind.ADAM)
            .optLearningRate(0.01)
            .optSteps(20)
            .optTeacher(teacher)
            .optLogitDistillation(2, 0.5)
            .optLayerMatching(List.of(new LayerPair("a", "a")), 0.5)
            .build();
    FineTuneResult r = FineTuner.run(student, train, cfg);
    assertEquals(20, r.steps());
    assertTrue(eval(r.model(), val).top1() > 0.8, "distilled student learns");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            FineTuner.run(
                student,
                train,
                FineTuneConfig.builder()
                    .optTeacher(teacher)
                    .optLayerMatching(List.of(new LayerPair("nope", "a")), 1)
                    .build()));
    assertThrows(
        IllegalArgumentException.class,
        () -> FineTuneConfig.builder().optLogitDistillation(2, 0.5).build());
  }

  @Test
  void aDivergingInPlaceRunStopsAfterARunOfSkippedStepsWithAHint() {
    DataLoader train = DataLoader.builder(blobs(48, 1)).setBatchSize(4).build();
    // SGD at lr 1e12 without clipping overflows within a few steps, then every step is non-finite
    FineTuneConfig cfg = FineTuneConfig.builder().optLearningRate(1e12).optSteps(40).build();
    try (GraphExecutor ex = GraphExecutor.of(tinyCnn(2))) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> FineTuner.run(ex, train, cfg));
      assertTrue(
          e.getMessage().contains("stayed non-finite for " + FineTuner.MAX_CONSECUTIVE_SKIPS)
              && e.getMessage().contains("lower the learning rate"),
          e.getMessage());
    }
  }

  private static void assertSameWeights(Model expected, Model actual) {
    assertEquals(expected.graph().initializers().keySet(), actual.graph().initializers().keySet());
    for (var e : expected.graph().initializers().entrySet()) {
      assertArrayEquals(
          e.getValue().toFloatArray(),
          actual.graph().initializers().get(e.getKey()).toFloatArray(),
          0f,
          e.getKey());
    }
  }

  private static List<FineTuneWarning.Kind> kinds(FineTuneResult r) {
    return r.warnings().stream().map(FineTuneWarning::kind).toList();
  }

  @Test
  void aDivergingRunIsRetriedOnceThenThePreFineTuneModelIsReturned() {
    DataLoader train = DataLoader.builder(blobs(48, 1)).setBatchSize(4).build();
    DataLoader val = DataLoader.builder(blobs(30, 2)).setBatchSize(15).build();
    Model start = tinyCnn(2);
    List<FineTuneWarning> heard = new ArrayList<>();
    // SGD at lr 1e6 without clipping: both the run and its retry at 1e5 blow up
    FineTuneConfig cfg =
        FineTuneConfig.builder()
            .optLearningRate(1e6)
            .optSteps(40)
            .optValidation(val)
            .optListener(
                new FineTuneListener() {
                  @Override
                  public void onWarning(FineTuneWarning w) {
                    heard.add(w);
                  }
                })
            .build();
    FineTuneResult r = FineTuner.run(start, train, cfg);
    assertTrue(r.retried() && r.keptOriginal(), r.warnings().toString());
    assertEquals(
        List.of(
            FineTuneWarning.Kind.DIVERGED,
            FineTuneWarning.Kind.RETRIED,
            FineTuneWarning.Kind.DIVERGED,
            FineTuneWarning.Kind.KEPT_ORIGINAL),
        kinds(r));
    assertEquals(r.warnings(), heard);
    assertEquals(1e5, r.learningRate(), 1e-6);
    assertSameWeights(start, r.model());
    assertEquals(eval(start, val).top1(), r.validationTop1Before(), 1e-12);
    // without the retry it gives up at once
    FineTuneResult once =
        FineTuner.run(start, train, cfg.toBuilder().optRetryOnDivergence(false).build());
    assertEquals(
        List.of(FineTuneWarning.Kind.DIVERGED, FineTuneWarning.Kind.KEPT_ORIGINAL), kinds(once));
    assertSameWeights(start, once.model());
  }

  /** {@code base} with every label moved to the next class: learning the base hurts on it. */
  static ImageDataset shiftedLabels(ImageDataset base) {
    return new ImageDataset() {
      public int size() {
        return base.size();
      }

      public int channels() {
        return base.channels();
      }

      public int height() {
        return base.height();
      }

      public int width() {
        return base.width();
      }

      public List<String> classNames() {
        return base.classNames();
      }

      public Example get(int i) throws java.io.IOException {
        Example e = base.get(i);
        return new Example(e.pixels(), (e.label() + 1) % 3);
      }

      public String description() {
        return "shifted " + base.description();
      }
    };
  }

  @Test
  void theBestCheckpointIsRestoredAndAWorseModelIsNotReturned() {
    DataLoader train = DataLoader.builder(blobs(96, 1)).setBatchSize(16).optShuffle(3).build();
    // validation labels disagree with the training labels, so the more it learns the worse it gets
    DataLoader val = DataLoader.builder(shiftedLabels(blobs(30, 2))).setBatchSize(30).build();
    Model start = tinyCnn(5);
    FineTuneConfig.Builder cb =
        FineTuneConfig.builder()
            .optLearningRate(0.002)
            .optEpochs(3)
            .optCollapseFraction(0)
            .optGradientClipNorm(5)
            .optValidation(val)
            .optValidationInterval(2);
    FineTuneResult r = FineTuner.run(start, train, cb.optKeepOriginalIfWorse(false).build());
    assertFalse(r.keptOriginal());
    assertEquals(18, r.steps());
    // every 2 steps plus the epoch ends (6, 12, 18 coincide with the interval except the last)
    assertEquals(
        List.of(2L, 4L, 6L, 8L, 10L, 12L, 14L, 16L, 18L),
        r.validations().stream().map(FineTuneResult.ValidationPoint::step).toList());
    double best =
        r.validations().stream()
            .mapToDouble(FineTuneResult.ValidationPoint::top1)
            .max()
            .orElseThrow();
    assertEquals(best, r.bestValidationTop1(), 1e-12);
    double last = eval(r.lastModel(), val).top1();
    assertTrue(last < best, "the run must end worse than its best checkpoint: " + r.validations());
    assertEquals(best, eval(r.model(), val).top1(), 1e-12, "the best checkpoint is returned");
    assertTrue(r.bestStep() < 18 && r.bestStep() > 0);
    // with the default, a run whose best checkpoint is below the start is thrown away
    assertTrue(
        r.bestValidationTop1() < r.validationTop1Before(), r.validationTop1Before() + " " + best);
    FineTuneResult safe = FineTuner.run(start, train, cb.optKeepOriginalIfWorse(true).build());
    assertTrue(safe.keptOriginal() && !safe.retried());
    assertEquals(List.of(FineTuneWarning.Kind.KEPT_ORIGINAL), kinds(safe));
    assertTrue(
        safe.warnings().get(0).message().contains("validation top-1 fell"),
        safe.warnings().toString());
    assertSameWeights(start, safe.model());
  }

  @Test
  void aRunWhoseValidationCollapsesStopsEarlyAndIsRetried() {
    DataLoader train = DataLoader.builder(blobs(96, 1)).setBatchSize(16).optShuffle(3).build();
    DataLoader val = DataLoader.builder(shiftedLabels(blobs(30, 2))).setBatchSize(30).build();
    Model start = tinyCnn(5);
    FineTuneResult r =
        FineTuner.run(
            start,
            train,
            FineTuneConfig.builder()
                .optLearningRate(0.05)
                .optEpochs(3)
                .optGradientClipNorm(5)
                .optValidation(val)
                .optValidationInterval(2)
                .build());
    assertTrue(r.retried() && r.keptOriginal(), r.warnings().toString());
    assertTrue(
        r.warnings().get(0).message().contains("validation top-1 collapsed"),
        r.warnings().toString());
    assertTrue(r.steps() < 2 * 18, "both runs stopped early: " + r.steps() + " steps");
    assertEquals(0.005, r.learningRate(), 1e-12);
    assertSameWeights(start, r.model());
  }

  /** The layer-matching part of the first step's loss, for {@code copies} copies of one pair. */
  private static double firstLayerTerm(Model student, Model teacher, int copies) {
    DataLoader train = DataLoader.builder(blobs(16, 1)).setBatchSize(16).build();
    List<FineTuneListener.StepEvent> steps = new ArrayList<>();
    FineTuneConfig cfg =
        FineTuneConfig.builder()
            .optSteps(1)
            .optTeacher(teacher)
            .optLayerMatching(java.util.Collections.nCopies(copies, new LayerPair("a", "a")), 0.5)
            .optListener(
                new FineTuneListener() {
                  @Override
                  public void onStep(StepEvent e) {
                    steps.add(e);
                  }
                })
            .build();
    FineTuner.run(student, train, cfg);
    return steps.get(0).loss() - steps.get(0).crossEntropy();
  }

  @Test
  void theLayerTermIsAMeanOverThePairsNotASum() {
    Model teacher = tinyCnn(5);
    Model student = tinyCnn(9);
    double one = firstLayerTerm(student, teacher, 1);
    assertTrue(one > 1e-3, "the models differ: " + one);
    assertEquals(
        one,
        firstLayerTerm(student, teacher, 4),
        1e-5 * one,
        "four matched layers with the same error weigh as much as one");
  }

  @Test
  void datasetShapeMismatchIsReportedUpFront() {
    ImageDataset wrong =
        new ImageDataset() {
          public int size() {
            return 4;
          }

          public int channels() {
            return 3;
          }

          public int height() {
            return 8;
          }

          public int width() {
            return 8;
          }

          public List<String> classNames() {
            return List.of("a", "b", "c");
          }

          public Example get(int i) {
            return new Example(new byte[192], 0);
          }

          public String description() {
            return "rgb";
          }
        };
    DataLoader d = DataLoader.builder(wrong).setBatchSize(2).build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FineTuner.run(tinyCnn(1), d, FineTuneConfig.builder().build()));
    assertTrue(e.getMessage().contains("optChannels"), e.getMessage());
  }
}
