package org.lowrank.train.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.TrainTestData;

/** Synthetic graphs: executor vs ONNX Runtime, training-mode semantics, gradients and export. */
class ExecutorOpsTest {

  static TensorValue random(Random rnd, long... dims) {
    float[] v = new float[(int) TensorValue.elementCount(dims)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian() * 0.5f;
    }
    return TensorValue.ofFloats(dims, v);
  }

  static TensorValue positive(Random rnd, long... dims) {
    float[] v = new float[(int) TensorValue.elementCount(dims)];
    for (int i = 0; i < v.length; i++) {
      v[i] = 0.5f + rnd.nextFloat();
    }
    return TensorValue.ofFloats(dims, v);
  }

  /**
   * A small CNN exercising asymmetric pads, groups, dilation, BN, pooling, ConvTranspose, shape
   * sub-graph flatten and Gemm.
   */
  static Model smallCnn(long seed) {
    Random rnd = new Random(seed);
    Graph.Builder g = Graph.builder().name("small");
    g.addInput(ValueInfo.of("x", DataType.FLOAT, -1, 4, 9, 9));
    g.putInitializer("w1", random(rnd, 8, 2, 3, 3)).putInitializer("b1", random(rnd, 8));
    g.addNode(
        Node.builder("Conv")
            .name("conv1")
            .inputs("x", "w1", "b1")
            .outputs("c1")
            .attrInts("pads", 0, 1, 2, 1)
            .attrInts("strides", 1, 1)
            .attr("group", 2L)
            .build());
    g.putInitializer("s", positive(rnd, 8))
        .putInitializer("bb", random(rnd, 8))
        .putInitializer("m", random(rnd, 8))
        .putInitializer("v", positive(rnd, 8));
    g.addNode(
        Node.builder("BatchNormalization")
            .name("bn")
            .inputs("c1", "s", "bb", "m", "v")
            .outputs("n1")
            .build());
    g.addNode(Node.builder("HardSwish").name("act").inputs("n1").outputs("a1").build());
    g.putInitializer("w2", random(rnd, 6, 8, 3, 3));
    g.addNode(
        Node.builder("Conv")
            .name("conv2")
            .inputs("a1", "w2")
            .outputs("c2")
            .attrInts("dilations", 2, 2)
            .attrInts("pads", 2, 2, 2, 2)
            .build());
    g.addNode(
        Node.builder("MaxPool")
            .name("pool")
            .inputs("c2")
            .outputs("p2")
            .attrInts("kernel_shape", 2, 2)
            .attrInts("strides", 2, 2)
            .attrInts("pads", 0, 0, 1, 1)
            .build());
    g.putInitializer("wt", random(rnd, 6, 2, 3, 3)).putInitializer("bt", random(rnd, 4));
    g.addNode(
        Node.builder("ConvTranspose")
            .name("deconv")
            .inputs("p2", "wt", "bt")
            .outputs("d")
            .attrInts("strides", 2, 2)
            .attrInts("pads", 1, 0, 1, 1)
            .attrInts("output_padding", 1, 0)
            .attr("group", 2L)
            .build());
    g.addNode(
        Node.builder("AveragePool")
            .name("avg")
            .inputs("d")
            .outputs("ap")
            .attrInts("kernel_shape", 3, 3)
            .attrInts("pads", 1, 0, 0, 1)
            .build());
    g.addNode(Node.builder("Shape").name("shape").inputs("ap").outputs("sh").build());
    g.putInitializer("zero", TensorValue.ofLongs(new long[] {1}, new long[] {0}));
    g.addNode(Node.builder("Gather").name("gather").inputs("sh", "zero").outputs("n").build());
    g.putInitializer("minus1", TensorValue.ofLongs(new long[] {1}, new long[] {-1}));
    g.addNode(
        Node.builder("Concat")
            .name("cat")
            .inputs("n", "minus1")
            .outputs("newshape")
            .attr("axis", 0L)
            .build());
    g.addNode(Node.builder("Reshape").name("flat").inputs("ap", "newshape").outputs("f").build());
    g.addNode(Node.builder("Identity").name("id").inputs("f").outputs("f2").build());
    g.putInitializer("wf", random(rnd, 5, 4 * 9 * 9)).putInitializer("bf", random(rnd, 5));
    g.addNode(
        Node.builder("Gemm")
            .name("fc")
            .inputs("f2", "wf", "bf")
            .outputs("logits")
            .attr("transB", 1L)
            .build());
    g.addNode(
        Node.builder("LogSoftmax")
            .name("lsm")
            .inputs("logits")
            .outputs("y")
            .attr("axis", 1L)
            .build());
    g.addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 5));
    return Model.of(g.build(), 14);
  }

  @Test
  void smallCnnMatchesOnnxRuntime() {
    Model model = smallCnn(1);
    TensorValue x = random(new Random(2), 3, 4, 9, 9);
    TensorValue want;
    try (OrtRunner ort =
        OrtRunner.open(OnnxWriter.toBytes(model), "small", RuntimeOptions.singleThreaded())) {
      want = ort.run(x);
    }
    try (GraphExecutor ex = GraphExecutor.of(model)) {
      TensorValue got = ex.run(Map.of("x", x), Set.of()).get("y");
      assertArrayEquals(want.dims(), got.dims());
      double d = TrainTestData.maxAbsDiff(want.toFloatArray(), got.toFloatArray());
      assertTrue(d < 1e-4, "max diff " + d);
      // parameters: conv, BN scale/bias, deconv, fc; running stats are state
      assertEquals(
          Set.of("w1", "b1", "s", "bb", "w2", "wt", "bt", "wf", "bf"), ex.parameters().keySet());
      assertEquals(Set.of("m", "v"), ex.stateNames());
    }
  }

  @Test
  void conv1dAnd3dMatchOnnxRuntime() {
    Random rnd = new Random(3);
    for (int nd = 1; nd <= 3; nd += 2) {
      long[] xs = nd == 1 ? new long[] {2, 3, 11} : new long[] {2, 3, 5, 6, 7};
      long[] ws = nd == 1 ? new long[] {4, 3, 3} : new long[] {4, 3, 3, 2, 3};
      long[] pads = nd == 1 ? new long[] {1, 2} : new long[] {1, 0, 1, 0, 1, 1};
      Graph g =
          Graph.builder()
              .addInput(ValueInfo.of("x", DataType.FLOAT, xs))
              .putInitializer("w", random(rnd, ws))
              .addNode(
                  Node.builder("Conv")
                      .name("c")
                      .inputs("x", "w")
                      .outputs("y")
                      .attrInts("pads", pads)
                      .build())
              .addOutput(new ValueInfo("y", DataType.FLOAT, null))
              .build();
      Model m = Model.of(g, 13);
      TensorValue x = random(rnd, xs);
      try (OrtRunner ort =
              OrtRunner.open(OnnxWriter.toBytes(m), "conv" + nd, RuntimeOptions.singleThreaded());
          GraphExecutor ex = GraphExecutor.of(m)) {
        TensorValue want = ort.run(x);
        TensorValue got = ex.run(Map.of("x", x), Set.of()).get("y");
        assertArrayEquals(want.dims(), got.dims());
        assertTrue(TrainTestData.maxAbsDiff(want.toFloatArray(), got.toFloatArray()) < 1e-4);
      }
    }
  }

  @Test
  void unsupportedOpFailsAtConstructionWithNames() {
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4))
            .addNode(Node.builder("Hardmax").name("hm").inputs("x").outputs("y").build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 4))
            .build();
    UnsupportedOpException e =
        assertThrows(UnsupportedOpException.class, () -> GraphExecutor.of(Model.of(g, 13)));
    assertTrue(
        e.getMessage().contains("Hardmax") && e.getMessage().contains("'hm'"), e.getMessage());
  }

  @Test
  void inputShapeMismatchIsReported() {
    try (GraphExecutor ex = GraphExecutor.of(smallCnn(1))) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> ex.run(Map.of("x", random(new Random(1), 1, 3, 9, 9)), Set.of()));
      assertTrue(e.getMessage().contains("expected shape"), e.getMessage());
    }
  }

  @Test
  void tapsReturnIntermediateTensors() {
    Model model = smallCnn(1);
    TensorValue x = random(new Random(2), 2, 4, 9, 9);
    try (GraphExecutor ex = GraphExecutor.of(model);
        NDManager batch = ex.manager().newSubManager()) {
      Map<String, NDArray> maps =
          ex.featureMaps(batch, Map.of("x", Tensors.toNDArray(batch, x)), List.of("c1", "p2"));
      assertEquals(List.of("c1", "p2"), List.copyOf(maps.keySet()));
      assertArrayEquals(new long[] {2, 8, 9, 9}, maps.get("c1").getShape().getShape());
      assertArrayEquals(new long[] {2, 6, 5, 5}, maps.get("p2").getShape().getShape());
      assertThrows(
          IllegalArgumentException.class,
          () -> ex.featureMaps(batch, Map.of("x", Tensors.toNDArray(batch, x)), List.of("nope")));
      Map<String, TensorValue> values = ex.featureMapValues(Map.of("x", x), List.of("p2"));
      assertArrayEquals(maps.get("p2").toFloatArray(), values.get("p2").toFloatArray());
    }
  }

  @Test
  void batchNormTrainModeUsesBatchStatisticsAndUpdatesRunningStats() {
    Random rnd = new Random(5);
    TensorValue mean0 = random(rnd, 3);
    TensorValue var0 = positive(rnd, 3);
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 3, 4, 4))
            .putInitializer("s", positive(rnd, 3))
            .putInitializer("b", random(rnd, 3))
            .putInitializer("m", mean0)
            .putInitializer("v", var0)
            .addNode(
                Node.builder("BatchNormalization")
                    .name("bn")
                    .inputs("x", "s", "b", "m", "v")
                    .outputs("y")
                    .attr("momentum", 0.8f)
                    .attr("epsilon", 1e-5f)
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 3, 4, 4))
            .build();
    TensorValue x = random(rnd, 5, 3, 4, 4);
    float[] xv = x.toFloatArray();
    try (GraphExecutor ex = GraphExecutor.of(Model.of(g, 15));
        NDManager batch = ex.manager().newSubManager()) {
      NDList out = ex.forward(batch, new NDList(Tensors.toNDArray(batch, x)), true);
      float[] y = out.head().toFloatArray();
      Model exported = ex.exportWeights();
      float[] m1 = exported.graph().initializers().get("m").toFloatArray();
      float[] v1 = exported.graph().initializers().get("v").toFloatArray();
      for (int c = 0; c < 3; c++) {
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (int b = 0; b < 5; b++) {
          for (int i = 0; i < 16; i++) {
            double t = xv[(b * 3 + c) * 16 + i];
            sum += t;
            sq += t * t;
            n++;
          }
        }
        double mu = sum / n;
        double var = sq / n - mu * mu;
        assertEquals(0.8 * mean0.floatAt(c) + 0.2 * mu, m1[c], 1e-5);
        assertEquals(0.8 * var0.floatAt(c) + 0.2 * var, v1[c], 1e-4);
        // normalized output of channel c has batch mean b[c] and variance s[c]^2
        double ym = 0;
        for (int b = 0; b < 5; b++) {
          for (int i = 0; i < 16; i++) {
            ym += y[(b * 3 + c) * 16 + i];
          }
        }
        assertEquals(g.initializers().get("b").floatAt(c), ym / n, 1e-4);
      }
      // eval mode uses the (updated) running statistics and changes nothing
      ex.forward(batch, new NDList(Tensors.toNDArray(batch, x)), false);
      assertArrayEquals(m1, ex.exportWeights().graph().initializers().get("m").toFloatArray());
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesAndExportWritesUpdatedWeights() {
    Model model = smallCnn(7);
    TensorValue x = random(new Random(8), 2, 4, 9, 9);
    try (GraphExecutor ex = GraphExecutor.of(model)) {
      NDArray w = ex.parameters().get("w2").getArray();
      float[] grad;
      double loss0;
      try (NDManager batch = ex.manager().newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = ex.forward(batch, new NDList(Tensors.toNDArray(batch, x)), false).head();
        NDArray loss = y.exp().mul(y).sum();
        loss0 = loss.getFloat();
        gc.backward(loss);
        NDArray gr = w.getGradient();
        gr.attach(batch);
        grad = gr.toFloatArray();
      }
      float[] w0 = w.toFloatArray();
      int[] probes = {0, 17, 200, 431};
      for (int idx : probes) {
        double h = 1e-2;
        double lp = lossWith(ex, x, w, w0, idx, h);
        double lm = lossWith(ex, x, w, w0, idx, -h);
        double fd = (lp - lm) / (2 * h);
        assertEquals(fd, grad[idx], 2e-2 * Math.max(1, Math.abs(fd)), "d loss / d w2[" + idx + "]");
      }
      // an SGD-like update is visible in the exported model; other initializers are unchanged
      try (NDManager tmp = ex.manager().newSubManager()) {
        NDArray upd = tmp.create(grad, w.getShape()).mul(0.1f);
        w.subi(upd);
      }
      Model out = ex.exportWeights();
      float[] w1 = out.graph().initializers().get("w2").toFloatArray();
      assertNotEquals(w0[0], w1[0]);
      assertEquals(w0[0] - 0.1f * grad[0], w1[0], 1e-6);
      assertEquals(
          model.graph().initializers().get("zero"), out.graph().initializers().get("zero"));
      assertEquals(model.graph().nodes(), out.graph().nodes());
    }
  }

  private static double lossWith(
      GraphExecutor ex, TensorValue x, NDArray w, float[] w0, int idx, double h) {
    float[] wp = w0.clone();
    wp[idx] += (float) h;
    try (NDManager batch = ex.manager().newSubManager()) {
      NDArray tmp = batch.create(wp, w.getShape());
      w.subi(w).addi(tmp);
      NDArray y = ex.forward(batch, new NDList(Tensors.toNDArray(batch, x)), false).head();
      double l = y.exp().mul(y).sum().getFloat();
      w.subi(w).addi(batch.create(w0, w.getShape()));
      return l;
    }
  }
}
