package org.lowrank.train.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.ValueInfo;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.exec.DataParallel;
import org.lowrank.train.exec.DeviceChoice;
import org.lowrank.train.exec.GraphExecutor;

/**
 * Data-parallel fine-tuning on CPU replicas ({@code cpu,cpu}): the facts are single-device
 * fine-tuning on the whole batch (models without BatchNormalization) and gradient accumulation over
 * the shards on one device (with BatchNormalization, whose batch statistics are per shard).
 */
class DataParallelFineTuneTest {

  private static final List<DeviceChoice> ONE = List.of(DeviceChoice.CPU);
  private static final List<DeviceChoice> TWO = List.of(DeviceChoice.CPU, DeviceChoice.CPU);
  private static final List<DeviceChoice> THREE =
      List.of(DeviceChoice.CPU, DeviceChoice.CPU, DeviceChoice.CPU);

  /** Conv 3x3 (4 channels) -> Relu -> Flatten -> Gemm to 3 classes, on 1x8x8 images. */
  static Model convNoBatchNorm(long seed) {
    return convNoBatchNorm(seed, false);
  }

  /**
   * {@link #convNoBatchNorm(long)}, with {@code factorized} its conv as a 1x1 conv to 2 channels
   * followed by the 3x3 conv (a factorized layer that weight distillation reads).
   */
  static Model convNoBatchNorm(long seed, boolean factorized) {
    Random r = new Random(seed);
    Graph.Builder g =
        Graph.builder()
            .name("tiny-no-bn")
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 1, 8, 8))
            .putInitializer("w", FineTunerTest.rnd(r, 0.3f, 4, factorized ? 2 : 1, 3, 3))
            .putInitializer("b", FineTunerTest.rnd(r, 0.1f, 4))
            .putInitializer("wf", FineTunerTest.rnd(r, 0.05f, 3, 256))
            .putInitializer("bf", FineTunerTest.rnd(r, 0.01f, 3));
    if (factorized) {
      g.putInitializer("u", FineTunerTest.rnd(r, 1f, 2, 1, 1, 1))
          .addNode(Node.builder("Conv").name("conv0").inputs("x", "u").outputs("h").build());
    }
    Graph graph =
        g.addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs(factorized ? "h" : "x", "w", "b")
                    .outputs("c")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu").inputs("c").outputs("a").build())
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
    return Model.of(graph, 13);
  }

  private static DataLoader loader(int examples, int batch) {
    return DataLoader.builder(FineTunerTest.blobs(examples, 1))
        .setBatchSize(batch)
        .optShuffle(3)
        .optPrefetch(false)
        .build();
  }

  private static FineTuneConfig.Builder config(List<DeviceChoice> devices) {
    return FineTuneConfig.builder()
        .optLearningRate(0.05)
        .optWarmupSteps(1)
        .optGradientClipNorm(5)
        .optDevices(devices);
  }

  private static void assertClose(Model expected, Model actual, double tol) {
    assertEquals(expected.graph().initializers().keySet(), actual.graph().initializers().keySet());
    for (var e : expected.graph().initializers().entrySet()) {
      float[] a = e.getValue().toFloatArray();
      float[] b = actual.graph().initializers().get(e.getKey()).toFloatArray();
      assertEquals(a.length, b.length, e.getKey());
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], tol * (1 + Math.abs(a[i])), e.getKey() + "[" + i + "]");
      }
    }
  }

  private static void assertChanged(Model before, Model after, String name) {
    float[] a = before.graph().initializers().get(name).toFloatArray();
    float[] b = after.graph().initializers().get(name).toFloatArray();
    boolean changed = false;
    for (int i = 0; i < a.length; i++) {
      changed |= a[i] != b[i];
    }
    assertTrue(changed, name + " was not trained");
  }

  @Test
  void twoReplicasOnABatchUpdateLikeOneDeviceOnTheWholeBatch() {
    Model start = convNoBatchNorm(4);
    // batches of 5 split 3 + 2: unequal shards weigh 3/5 and 2/5
    for (OptimizerKind opt : OptimizerKind.values()) {
      FineTuneResult one =
          FineTuner.run(start, loader(20, 5), config(ONE).optOptimizer(opt).optSteps(4).build());
      FineTuneResult two =
          FineTuner.run(start, loader(20, 5), config(TWO).optOptimizer(opt).optSteps(4).build());
      assertChanged(start, one.lastModel(), "w");
      assertClose(one.lastModel(), two.lastModel(), 1e-5);
      for (int i = 0; i < one.epochs().size(); i++) {
        assertEquals(one.epochs().get(i).trainLoss(), two.epochs().get(i).trainLoss(), 1e-5);
        assertEquals(one.epochs().get(i).trainTop1(), two.epochs().get(i).trainTop1(), 0);
      }
    }
  }

  @Test
  void distillationTermsAreSplitLikeTheCrossEntropy() {
    Model teacher = convNoBatchNorm(8);
    Model start = convNoBatchNorm(4, true);
    List<LayerPair> pairs = List.of(new LayerPair("a", "a"));
    FineTuneResult[] r = new FineTuneResult[2];
    for (int i = 0; i < 2; i++) {
      r[i] =
          FineTuner.run(
              start,
              loader(16, 8),
              config(i == 0 ? ONE : TWO)
                  .optSteps(2)
                  .optTeacher(teacher)
                  .optLogitDistillation(2, 0.5)
                  .optLayerMatching(pairs, 0.5)
                  .optWeightDistillation(List.of(new LayerPair("c", "c")), 0.1)
                  .build());
    }
    assertClose(r[0].lastModel(), r[1].lastModel(), 1e-5);
  }

  @Test
  void aBatchSmallerThanTheReplicaCountRunsOnTheFirstReplicas() {
    assertArrayEquals(new int[] {1}, DataParallel.shardSizes(1, 3));
    assertArrayEquals(new int[] {1, 1}, DataParallel.shardSizes(2, 3));
    assertArrayEquals(new int[] {3, 2, 2}, DataParallel.shardSizes(7, 3));
    Model start = convNoBatchNorm(4);
    // 8 examples in batches of 3: 3, 3, 2 (the last batch has fewer examples than replicas)
    FineTuneResult one = FineTuner.run(start, loader(8, 3), config(ONE).optSteps(6).build());
    FineTuneResult three = FineTuner.run(start, loader(8, 3), config(THREE).optSteps(6).build());
    assertClose(one.lastModel(), three.lastModel(), 1e-5);
  }

  /**
   * With BatchNormalization each replica normalizes its shard by the shard's statistics: one step
   * over two replicas equals accumulating the shards' gradients, (n_k / N) dL_k/dw, on one device
   * and taking one plain SGD step; the running statistics are the shard-weighted mean of what each
   * shard alone gives.
   */
  @Test
  void withBatchNormAStepEqualsAccumulatingTheShardsOnOneDevice() {
    Model start = FineTunerTest.tinyCnn(5);
    DataLoader data = loader(12, 6);
    double lr = 0.05;
    FineTuneResult two =
        FineTuner.run(
            start,
            data,
            FineTuneConfig.builder()
                .optLearningRate(lr)
                .optWarmupSteps(0)
                .optMomentum(0)
                .optWeightDecay(0)
                .optSteps(1)
                .optDevices(TWO)
                .build());
    Iterator<Batch> it = data.epoch(0);
    Batch b = it.next();
    int[] shards = DataParallel.shardSizes(b.size(), 2);
    Map<String, float[]> expected = new HashMap<>();
    Map<String, float[]> stats = new HashMap<>();
    try (GraphExecutor ex = GraphExecutor.builder(start).optDevice(ai.djl.Device.cpu()).build();
        NDManager m = ex.manager().newSubManager()) {
      int from = 0;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        for (int k = 0; k < 2; k++) {
          // each shard's statistics from the start: a fresh executor per shard
          try (GraphExecutor alone = GraphExecutor.of(start);
              NDManager ma = alone.manager().newSubManager()) {
            alone.forward(ma, Map.of("x", shard(ma, b, from, shards[k])), true, List.of());
            for (String s : alone.stateNames()) {
              float[] v = alone.value(s).toFloatArray();
              float[] acc = stats.computeIfAbsent(s, n -> new float[v.length]);
              for (int i = 0; i < v.length; i++) {
                acc[i] += v[i] * shards[k] / b.size();
              }
            }
          }
          NDArray logits =
              ex.forward(m, Map.of("x", shard(m, b, from, shards[k])), true, List.of()).get("y");
          gc.backward(meanCrossEntropy(m, logits, b, from, shards[k]).mul(shards[k] / 6f));
          from += shards[k];
        }
      }
      for (var e : ex.parameters().entrySet()) {
        NDArray w = e.getValue().getArray();
        expected.put(e.getKey(), w.sub(w.getGradient().mul((float) lr)).toFloatArray());
      }
    }
    for (var e : expected.entrySet()) {
      assertArrayEquals(
          e.getValue(),
          two.lastModel().graph().initializers().get(e.getKey()).toFloatArray(),
          1e-5f,
          e.getKey());
    }
    for (var e : stats.entrySet()) {
      assertArrayEquals(
          e.getValue(),
          two.lastModel().graph().initializers().get(e.getKey()).toFloatArray(),
          1e-5f,
          e.getKey());
    }
    assertTrue(stats.get("m")[0] != 0f, "running mean moved");
  }

  private static NDArray shard(NDManager m, Batch b, int from, int n) {
    int per = b.channels() * b.height() * b.width();
    float[] d = new float[n * per];
    System.arraycopy(b.data(), from * per, d, 0, d.length);
    return m.create(d, new Shape(n, b.channels(), b.height(), b.width()));
  }

  private static NDArray meanCrossEntropy(NDManager m, NDArray logits, Batch b, int from, int n) {
    int k = (int) (logits.size() / n);
    float[] oneHot = new float[n * k];
    for (int i = 0; i < n; i++) {
      oneHot[i * k + b.labels()[from + i]] = 1f;
    }
    return logits
        .reshape(n, k)
        .logSoftmax(1)
        .mul(m.create(oneHot, new Shape(n, k)))
        .sum()
        .neg()
        .div((float) n);
  }
}
