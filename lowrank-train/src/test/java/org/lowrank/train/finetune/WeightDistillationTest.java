package org.lowrank.train.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.exec.GraphExecutor;

class WeightDistillationTest {
  private static final int C = 2;
  private static final int O = 3;
  private static final int R = 2;

  /** Input x [N, 2, 6, 6] and the classifier's weight; the layer under test computes "c". */
  private static Graph.Builder head(Graph.Builder g, Random r) {
    return g.addInput(ValueInfo.of("x", DataType.FLOAT, -1, C, 6, 6))
        .putInitializer("wf", FineTunerTest.rnd(r, 0.1f, 3, O * 9));
  }

  /** "c" [N, O, 3, 3] -> flatten -> Gemm -> logits "y". */
  private static Model tail(Graph.Builder g) {
    Graph graph =
        g.addNode(Node.builder("Flatten").name("flat").inputs("c").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "wf")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 3))
            .build();
    return Model.of(graph, 13);
  }

  private static Node conv(
      String name,
      String in,
      String w,
      String out,
      long group,
      long[] strides,
      long[] pads,
      String... bias) {
    List<String> inputs = new ArrayList<>(List.of(in, w));
    inputs.addAll(List.of(bias));
    return Node.builder("Conv")
        .name(name)
        .inputs(inputs)
        .outputs(out)
        .attr("group", group)
        .attrInts("strides", strides)
        .attrInts("pads", pads)
        .build();
  }

  private static Model teacher(TensorValue w) {
    Random r = new Random(1);
    return tail(
        head(Graph.builder().name("teacher"), r)
            .putInitializer("w", w)
            .putInitializer("b", FineTunerTest.rnd(r, 0.1f, O))
            .addNode(
                conv("conv", "x", "w", "c", 1, new long[] {2, 2}, new long[] {1, 1, 1, 1}, "b")));
  }

  /** Tucker-2: 1x1 (C -> R), 3x3 stride 2 pad 1 (R -> R), 1x1 (R -> O, bias). */
  private static Model tucker(Random r) {
    return tail(
        head(Graph.builder().name("tucker"), r)
            .putInitializer("u", FineTunerTest.rnd(r, 1f, R, C, 1, 1))
            .putInitializer("k", FineTunerTest.rnd(r, 1f, R, R, 3, 3))
            .putInitializer("v", FineTunerTest.rnd(r, 1f, O, R, 1, 1))
            .putInitializer("b", FineTunerTest.rnd(r, 1f, O))
            .addNode(conv("t1", "x", "u", "a1", 1, new long[] {1, 1}, new long[] {0, 0, 0, 0}))
            .addNode(conv("t2", "a1", "k", "a2", 1, new long[] {2, 2}, new long[] {1, 1, 1, 1}))
            .addNode(
                conv("t3", "a2", "v", "c", 1, new long[] {1, 1}, new long[] {0, 0, 0, 0}, "b")));
  }

  /** Separable CP: 1x1 (C -> R), depthwise 3x1 and 1x3 (stride 2 and pad 1 on their axis), 1x1. */
  private static Model cp(Random r) {
    return tail(
        head(Graph.builder().name("cp"), r)
            .putInitializer("cin", FineTunerTest.rnd(r, 1f, R, C, 1, 1))
            .putInitializer("b1", FineTunerTest.rnd(r, 1f, R, 1, 3, 1))
            .putInitializer("b2", FineTunerTest.rnd(r, 1f, R, 1, 1, 3))
            .putInitializer("cout", FineTunerTest.rnd(r, 1f, O, R, 1, 1))
            .putInitializer("b", FineTunerTest.rnd(r, 1f, O))
            .addNode(conv("p1", "x", "cin", "a1", 1, new long[] {1, 1}, new long[] {0, 0, 0, 0}))
            .addNode(conv("p2", "a1", "b1", "a2", R, new long[] {2, 1}, new long[] {1, 0, 1, 0}))
            .addNode(conv("p3", "a2", "b2", "a3", R, new long[] {1, 2}, new long[] {0, 1, 0, 1}))
            .addNode(
                conv("p4", "a3", "cout", "c", 1, new long[] {1, 1}, new long[] {0, 0, 0, 0}, "b")));
  }

  private static float[] init(Model m, String name) {
    return m.graph().initializers().get(name).toFloatArray();
  }

  /** W [O, C, 3, 3] of the Tucker chain: W[o,c,i,j] = sum_{s,t} v[o,t] k[t,s,i,j] u[s,c]. */
  private static float[] tuckerDense(Model m) {
    float[] u = init(m, "u");
    float[] k = init(m, "k");
    float[] v = init(m, "v");
    float[] w = new float[O * C * 9];
    for (int o = 0; o < O; o++) {
      for (int c = 0; c < C; c++) {
        for (int ij = 0; ij < 9; ij++) {
          double sum = 0;
          for (int t = 0; t < R; t++) {
            for (int s = 0; s < R; s++) {
              sum += v[o * R + t] * k[(t * R + s) * 9 + ij] * u[s * C + c];
            }
          }
          w[(o * C + c) * 9 + ij] = (float) sum;
        }
      }
    }
    return w;
  }

  /** W [O, C, 3, 3] of the CP chain: W[o,c,i,j] = sum_r cout[o,r] b1[r,i] b2[r,j] cin[r,c]. */
  private static float[] cpDense(Model m) {
    float[] cin = init(m, "cin");
    float[] b1 = init(m, "b1");
    float[] b2 = init(m, "b2");
    float[] cout = init(m, "cout");
    float[] w = new float[O * C * 9];
    for (int o = 0; o < O; o++) {
      for (int c = 0; c < C; c++) {
        for (int i = 0; i < 3; i++) {
          for (int j = 0; j < 3; j++) {
            double sum = 0;
            for (int r = 0; r < R; r++) {
              sum += cout[o * R + r] * b1[r * 3 + i] * b2[r * 3 + j] * cin[r * C + c];
            }
            w[(o * C + c) * 9 + i * 3 + j] = (float) sum;
          }
        }
      }
    }
    return w;
  }

  /** [O, C k k] -> the [C k k, O] layout of {@link WeightDistillation#denseWeights}. */
  private static float[] rowsByOutput(float[] w) {
    int rows = w.length / O;
    float[] t = new float[w.length];
    for (int o = 0; o < O; o++) {
      for (int q = 0; q < rows; q++) {
        t[q * O + o] = w[o * rows + q];
      }
    }
    return t;
  }

  @Test
  void theImpulseResponseOfAChainIsTheProductOfItsFactors() {
    Random r = new Random(7);
    List<LayerPair> pair = List.of(new LayerPair("c", "c"));
    for (Model student : List.of(tucker(r), cp(r))) {
      float[] expected =
          student.graph().name().equals("cp") ? cpDense(student) : tuckerDense(student);
      Model exact = teacher(TensorValue.ofFloats(new long[] {O, C, 3, 3}, expected));
      Model other = teacher(FineTunerTest.rnd(r, 1f, O, C, 3, 3));
      try (GraphExecutor ex = GraphExecutor.of(student);
          WeightDistillation exactTerm = WeightDistillation.of(ex, exact, pair);
          WeightDistillation otherTerm = WeightDistillation.of(ex, other, pair);
          NDManager m = ex.manager().newSubManager()) {
        assertEquals(1, exactTerm.layers(), student.graph().name());
        assertArrayEquals(
            rowsByOutput(expected),
            exactTerm.denseWeights().get(0).toFloatArray(),
            1e-4f,
            student.graph().name() + ": strides, pads and the bias are not part of the weight");
        assertEquals(0.0, exactTerm.loss(m).getFloat(), 1e-8);
        float[] w = init(other, "w");
        double mse = 0;
        for (int i = 0; i < w.length; i++) {
          mse += (w[i] - expected[i]) * (w[i] - expected[i]);
        }
        assertEquals(mse / w.length, otherTerm.loss(m).getFloat(), 1e-4 * mse / w.length);
      }
    }
  }

  /** x [N, C, 6, 6] -> {@code nodes} computing "c" [N, O, 12, 12] -> GlobalAveragePool -> Gemm. */
  private static Model transposed(
      String name, Random r, Map<String, TensorValue> weights, Node... nodes) {
    Graph.Builder g =
        Graph.builder()
            .name(name)
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, C, 6, 6))
            .putInitializer("wf", FineTunerTest.rnd(r, 0.1f, 3, O));
    weights.forEach(g::putInitializer);
    for (Node n : nodes) {
      g.addNode(n);
    }
    Graph graph =
        g.addNode(Node.builder("GlobalAveragePool").name("gap").inputs("c").outputs("p").build())
            .addNode(Node.builder("Flatten").name("flat").inputs("p").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "wf")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 3))
            .build();
    return Model.of(graph, 13);
  }

  /** ConvTranspose 3x3, stride 2, pads 1, output_padding 1: 6x6 -> 12x12. */
  private static Node deconv(String name, String in, String w, String out, String... bias) {
    List<String> inputs = new ArrayList<>(List.of(in, w));
    inputs.addAll(List.of(bias));
    return Node.builder("ConvTranspose")
        .name(name)
        .inputs(inputs)
        .outputs(out)
        .attrInts("strides", 2, 2)
        .attrInts("pads", 1, 1, 1, 1)
        .attrInts("output_padding", 1, 1)
        .build();
  }

  /**
   * A factorized ConvTranspose (1x1 Conv C -> R, ConvTranspose core k_T [R, R, 3, 3], 1x1 Conv R ->
   * O) has the impulse response W_T[c, o, ij] = sum_{s,t} v[o,t] k_T[s,t,ij] u[s,c] of the
   * ConvTranspose weight [C, O, 3, 3] it replaces.
   */
  @Test
  void theImpulseResponseOfAConvTransposeChainIsItsStoredWeight() {
    Random r = new Random(11);
    TensorValue u = FineTunerTest.rnd(r, 1f, R, C, 1, 1);
    TensorValue k = FineTunerTest.rnd(r, 1f, R, R, 3, 3);
    TensorValue v = FineTunerTest.rnd(r, 1f, O, R, 1, 1);
    Model student =
        transposed(
            "tucker_t",
            r,
            Map.of("u", u, "k", k, "v", v, "b", FineTunerTest.rnd(r, 1f, O)),
            conv("t1", "x", "u", "a1", 1, new long[] {1, 1}, new long[] {0, 0, 0, 0}),
            deconv("t2", "a1", "k", "a2"),
            conv("t3", "a2", "v", "c", 1, new long[] {1, 1}, new long[] {0, 0, 0, 0}, "b"));
    float[] uf = u.toFloatArray();
    float[] kf = k.toFloatArray();
    float[] vf = v.toFloatArray();
    float[] wt = new float[C * O * 9];
    for (int c = 0; c < C; c++) {
      for (int o = 0; o < O; o++) {
        for (int ij = 0; ij < 9; ij++) {
          double sum = 0;
          for (int s = 0; s < R; s++) {
            for (int t = 0; t < R; t++) {
              sum += vf[o * R + t] * kf[(s * R + t) * 9 + ij] * uf[s * C + c];
            }
          }
          wt[(c * O + o) * 9 + ij] = (float) sum;
        }
      }
    }
    Model teacher =
        transposed(
            "teacher_t",
            r,
            Map.of(
                "w",
                TensorValue.ofFloats(new long[] {C, O, 3, 3}, wt),
                "b",
                FineTunerTest.rnd(r, 1f, O)),
            deconv("dec", "x", "w", "c", "b"));
    try (GraphExecutor ex = GraphExecutor.of(student);
        WeightDistillation term =
            WeightDistillation.of(ex, teacher, List.of(new LayerPair("c", "c")));
        NDManager m = ex.manager().newSubManager()) {
      assertEquals(1, term.layers());
      assertArrayEquals(wt, term.denseWeights().get(0).toFloatArray(), 1e-4f);
      assertEquals(0.0, term.loss(m).getFloat(), 1e-8);
    }
  }

  @Test
  void anUnfactorizedLayerIsLeftOut() {
    Model t = teacher(FineTunerTest.rnd(new Random(2), 1f, O, C, 3, 3));
    try (GraphExecutor ex = GraphExecutor.of(t);
        WeightDistillation term = WeightDistillation.of(ex, t, List.of(new LayerPair("c", "c")))) {
      assertEquals(0, term.layers());
    }
  }

  @Test
  void fineTuningWithTheWeightTermPullsTheFactorsTowardsTheOriginalWeight() {
    Random r = new Random(3);
    Model student = tucker(r);
    Model teacher = teacher(FineTunerTest.rnd(r, 0.3f, O, C, 3, 3));
    List<LayerPair> pair = List.of(new LayerPair("c", "c"));
    DataLoader data =
        DataLoader.builder(
                new org.lowrank.train.data.ImageDataset() {
                  public int size() {
                    return 32;
                  }

                  public int channels() {
                    return C;
                  }

                  public int height() {
                    return 6;
                  }

                  public int width() {
                    return 6;
                  }

                  public List<String> classNames() {
                    return List.of("a", "b", "c");
                  }

                  public Example get(int i) {
                    byte[] p = new byte[C * 36];
                    new Random(i).nextBytes(p);
                    return new Example(p, i % 3);
                  }

                  public String description() {
                    return "noise";
                  }
                })
            .setBatchSize(16)
            .build();
    FineTuneConfig.Builder cb =
        FineTuneConfig.builder()
            .optOptimizer(OptimizerKind.ADAM)
            .optLearningRate(0.03)
            .optSteps(60)
            .optTeacher(teacher);
    double without = distance(FineTuner.run(student, data, cb.build()).model(), teacher, pair);
    double with =
        distance(
            FineTuner.run(student, data, cb.optWeightDistillation(pair, 10).build()).model(),
            teacher,
            pair);
    assertTrue(with < 0.7 * without, "weight term on: " + with + ", off: " + without);
  }

  @Test
  void aNegligibleWeightTermLeavesTrainingAsItWas() {
    Random r = new Random(3);
    Model student = tucker(r);
    Model teacher = teacher(FineTunerTest.rnd(r, 0.3f, O, C, 3, 3));
    List<LayerPair> pair = List.of(new LayerPair("c", "c"));
    DataLoader data =
        DataLoader.builder(
                new org.lowrank.train.data.ImageDataset() {
                  public int size() {
                    return 32;
                  }

                  public int channels() {
                    return C;
                  }

                  public int height() {
                    return 6;
                  }

                  public int width() {
                    return 6;
                  }

                  public List<String> classNames() {
                    return List.of("a", "b", "c");
                  }

                  public Example get(int i) {
                    byte[] p = new byte[C * 36];
                    new Random(i).nextBytes(p);
                    return new Example(p, i % 3);
                  }

                  public String description() {
                    return "noise";
                  }
                })
            .setBatchSize(16)
            .build();
    FineTuneConfig.Builder cb =
        FineTuneConfig.builder()
            .optOptimizer(OptimizerKind.ADAM)
            .optLearningRate(0.003)
            .optSteps(20)
            .optTeacher(teacher);
    float[] off = init(FineTuner.run(student, data, cb.build()).model(), "k");
    float[] tiny =
        init(
            FineTuner.run(student, data, cb.optWeightDistillation(pair, 1e-9).build()).model(),
            "k");
    assertArrayEquals(off, tiny, 1e-4f);
  }

  private static double distance(Model student, Model teacher, List<LayerPair> pair) {
    try (GraphExecutor ex = GraphExecutor.of(student);
        WeightDistillation term = WeightDistillation.of(ex, teacher, pair);
        NDManager m = ex.manager().newSubManager()) {
      return term.loss(m).getFloat();
    }
  }
}
