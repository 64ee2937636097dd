package org.lowrank.train.refit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.decomp.InputMoment;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.progress.ProgressListener;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.exec.MemoryBudget;

/**
 * {@link InputMoments} and {@link SequentialFactorization} on the small conv net of the refit
 * tests.
 */
class DataAwareFactorizationPassTest {

  /**
   * The moment of conv b's input patches against the executor's own conv: the mean squared output
   * without bias is (1/N) sum ||W x||^2 = tr(W S W^T).
   */
  @Test
  void convPatchMomentMatchesTheLayerOutputEnergy() {
    Model m = OutputReconstructionTest.net(1);
    TensorValue x = OutputReconstructionTest.rnd(new Random(2), 1f, 20, 3, 8, 8);
    // chunk 3 so the moment is summed over several chunks
    Map<String, InputMoment> moments =
        InputMoments.collect(m, List.of("b", "fc1"), x, 3, ProgressListener.NONE);
    InputMoment s = moments.get("b");
    assertEquals(8 * 9, s.size());
    assertEquals(20L * 64, s.samples());
    double[] w = m.graph().initializers().get("wb").toDoubleArray();
    double[] bias = m.graph().initializers().get("bb").toDoubleArray();
    double[] sm = s.matrix();
    int n = 72;
    double predicted = 0;
    for (int o = 0; o < 12; o++) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          predicted += w[o * n + i] * sm[i * n + j] * w[o * n + j];
        }
      }
    }
    float[] y;
    try (GraphExecutor e = GraphExecutor.of(m)) {
      y = e.featureMapValues(Map.of("x", x), List.of("yb")).get("yb").toFloatArray();
    }
    double measured = 0;
    for (int i = 0; i < y.length; i++) {
      double v = y[i] - bias[(i / 64) % 12];
      measured += v * v;
    }
    measured /= 20 * 64;
    assertEquals(measured, predicted, 1e-4 * measured);
  }

  /**
   * The symmetric fit's moments ({@code --factorize data-symmetric}, and the similarity search's
   * data-aware scores) follow the sequential fit's sample rule: fc1 (12 inputs, one sample per
   * image) gets no moment from 47 images, so it is factorized from its weights, and one from 48.
   */
  @Test
  void symmetricMomentsFollowTheSampleRule() {
    Model m = OutputReconstructionTest.net(1);
    int few = InputMoment.MIN_SAMPLES_PER_INPUT * 12 - 1;
    Map<String, InputMoment> sparse =
        InputMoments.collect(
            m,
            List.of("b", "fc1"),
            OutputReconstructionTest.rnd(new Random(2), 1f, few, 3, 8, 8),
            16,
            ProgressListener.NONE);
    assertEquals(java.util.Set.of("b"), sparse.keySet());
    Map<String, InputMoment> enough =
        InputMoments.collect(
            m,
            List.of("b", "fc1"),
            OutputReconstructionTest.rnd(new Random(2), 1f, few + 1, 3, 8, 8),
            16,
            ProgressListener.NONE);
    assertEquals(12, enough.get("fc1").size());
    assertEquals(few + 1L, enough.get("fc1").samples());
  }

  @Test
  void sequentialFullRankReproducesTheModelAndLowRankBeatsWeightOnly() {
    Model original = OutputReconstructionTest.net(3);
    TensorValue calib = OutputReconstructionTest.rnd(new Random(4), 1f, 64, 3, 8, 8);
    TensorValue fresh = OutputReconstructionTest.rnd(new Random(5), 1f, 16, 3, 8, 8);
    LayerFactorizer f = LayerFactorizer.create();
    Map<String, Choice> full =
        Map.of("a", Choice.of(Method.TUCKER2, 8, 3), "b", Choice.of(Method.TUCKER2, 12, 8));
    SequentialFactorization.Result exact =
        SequentialFactorization.run(
            original,
            List.of("a", "b"),
            calib,
            16,
            (g, layer, s) -> f.factorize(g, layer, full.get(layer), s),
            ProgressListener.NONE);
    assertTrue(OutputReconstructionTest.relativeError(original, exact.model(), fresh, "y") < 1e-3);

    Map<String, Choice> low =
        Map.of("a", Choice.of(Method.TUCKER2, 3, 2), "b", Choice.of(Method.CP, 4));
    SequentialFactorization.Result data =
        SequentialFactorization.run(
            original,
            List.of("a", "b"),
            calib,
            16,
            (g, layer, s) -> f.factorize(g, layer, low.get(layer), s),
            ProgressListener.NONE);
    Model weights = original;
    for (String layer : List.of("a", "b")) {
      weights =
          LayerRewriter.rewrite(
              weights, layer, f.factorize(original.graph(), layer, low.get(layer)));
    }
    double dataError = OutputReconstructionTest.relativeError(original, data.model(), calib, "yb");
    double weightError = OutputReconstructionTest.relativeError(original, weights, calib, "yb");
    assertTrue(
        dataError < 0.9 * weightError,
        "data-aware " + dataError + " vs weight-only " + weightError);
    // fitting b to the inputs it really gets (after the compressed a) beats fitting it to a's
    // original outputs
    Map<String, InputMoment> moments =
        InputMoments.collect(original, List.of("a", "b"), calib, 16, ProgressListener.NONE);
    Model symmetric = original;
    for (String layer : List.of("a", "b")) {
      symmetric =
          LayerRewriter.rewrite(
              symmetric,
              layer,
              f.factorize(original.graph(), layer, low.get(layer), moments.get(layer)));
    }
    double symmetricError =
        OutputReconstructionTest.relativeError(original, symmetric, calib, "yb");
    assertTrue(
        dataError < symmetricError, "sequential " + dataError + " vs symmetric " + symmetricError);
  }

  /**
   * A dense layer gets one input sample per image: with fewer than {@link
   * InputMoment#MIN_SAMPLES_PER_INPUT} per input feature it is factorized from its weights (the
   * same factors as the weight-only fit), with enough it is fitted to the data.
   */
  @Test
  void layerWithTooFewSamplesPerInputIsFactorizedFromItsWeights() {
    Model original = OutputReconstructionTest.net(10);
    LayerFactorizer f = LayerFactorizer.create();
    Choice svd = Choice.of(Method.SVD, 2);
    int n = 12; // fc1's inputs
    int few = InputMoment.MIN_SAMPLES_PER_INPUT * n - 1;
    SequentialFactorization.Result sparse =
        SequentialFactorization.run(
            original,
            List.of("fc1"),
            OutputReconstructionTest.rnd(new Random(11), 1f, few, 3, 8, 8),
            16,
            (g, layer, s) -> f.factorize(g, layer, svd, s),
            ProgressListener.NONE);
    assertTrue(sparse.fitted().isEmpty(), "fitted " + sparse.fitted());
    Model weights =
        LayerRewriter.rewrite(original, "fc1", f.factorize(original.graph(), "fc1", svd));
    TensorValue fresh = OutputReconstructionTest.rnd(new Random(12), 1f, 8, 3, 8, 8);
    assertEquals(0, OutputReconstructionTest.relativeError(weights, sparse.model(), fresh, "y"), 0);
    SequentialFactorization.Result enough =
        SequentialFactorization.run(
            original,
            List.of("fc1"),
            OutputReconstructionTest.rnd(new Random(11), 1f, few + 1, 3, 8, 8),
            16,
            (g, layer, s) -> f.factorize(g, layer, svd, s),
            ProgressListener.NONE);
    assertEquals(java.util.Set.of("fc1"), enough.fitted());
  }

  /**
   * The values held at the cut before each layer give the same fit as a pass from the images per
   * layer (a memory budget of one byte holds nothing): on a residual net whose skip reads a's
   * output before its ReLU, so the cut before b holds a tensor b does not read.
   */
  @Test
  void heldCutValuesGiveTheSameFitAsPassesFromTheImages() {
    Model original = residualNet(13);
    TensorValue calib = OutputReconstructionTest.rnd(new Random(14), 1f, 40, 3, 8, 8);
    LayerFactorizer f = LayerFactorizer.create();
    Map<String, Choice> plan =
        Map.of(
            "a", Choice.of(Method.TUCKER2, 4, 2),
            "b", Choice.of(Method.TUCKER2, 4, 4),
            "fc1", Choice.of(Method.SVD, 3));
    assertEquals(
        java.util.Set.of("ya", "za"),
        java.util.Set.copyOf(SequentialFactorization.cut(original.graph(), node(original, "b"))));
    SequentialFactorization.Result[] r = new SequentialFactorization.Result[2];
    String saved = System.getProperty(MemoryBudget.PROPERTY);
    try {
      for (int i = 0; i < 2; i++) {
        MemoryBudget.setDefault(new MemoryBudget(i == 0 ? 1L << 30 : 1));
        r[i] =
            SequentialFactorization.run(
                original,
                List.of("a", "b", "fc1"),
                calib,
                16,
                (g, layer, s) -> f.factorize(g, layer, plan.get(layer), s),
                ProgressListener.NONE);
      }
    } finally {
      if (saved == null) {
        System.clearProperty(MemoryBudget.PROPERTY);
      } else {
        System.setProperty(MemoryBudget.PROPERTY, saved);
      }
    }
    assertEquals(java.util.Set.of("a", "b", "fc1"), r[0].fitted());
    assertEquals(
        0, OutputReconstructionTest.relativeError(r[1].model(), r[0].model(), calib, "y"), 1e-6);
    double error = OutputReconstructionTest.relativeError(original, r[0].model(), calib, "y");
    assertTrue(error > 1e-3, "the plan compresses: " + error);
  }

  /**
   * The patches cut out in Java are those of the probe conv (the one-hot kernel run by the
   * executor), with strides, dilations and uneven pads.
   */
  @Test
  void javaPatchesMatchTheProbeConv() {
    Random r = new Random(15);
    Graph g =
        Graph.builder()
            .name("conv")
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 3, 9, 8))
            .putInitializer("w", OutputReconstructionTest.rnd(r, 0.3f, 4, 3, 3, 2))
            .addNode(
                Node.builder("Conv")
                    .name("c")
                    .inputs("x", "w")
                    .outputs("y")
                    .attrInts("kernel_shape", 3, 2)
                    .attrInts("strides", 2, 1)
                    .attrInts("dilations", 2, 1)
                    .attrInts("pads", 1, 0, 2, 1)
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 4, 4, 8))
            .build();
    Model m = Model.of(g, 13);
    AffineNode a = AffineNode.of(g, node(m, "c"));
    assertEquals("x", a.sampleTap());
    TensorValue x = OutputReconstructionTest.rnd(r, 1f, 2, 3, 9, 8);
    double[] probed;
    try (GraphExecutor e = GraphExecutor.of(a.probe(m))) {
      probed =
          a.samples(
              e.featureMapValues(Map.of("x", x), List.of(a.input())).get(a.input()), 18, false);
    }
    double[] java = a.samplesFrom(x);
    assertEquals(18 * 2 * 4 * 8, java.length);
    org.junit.jupiter.api.Assertions.assertArrayEquals(probed, java, 1e-6);
  }

  private static Node node(Model m, String name) {
    return m.graph().nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  /**
   * x [N, 3, 8, 8] -> a (conv 3->8, 3x3) = ya -> Relu = za -> b (conv 8->8, 3x3) = yb; yb + ya ->
   * Relu -> GlobalAveragePool -> Flatten -> fc1 (Gemm 8->5) = y. Seeded weights.
   */
  static Model residualNet(long seed) {
    Random r = new Random(seed);
    Graph g =
        Graph.builder()
            .name("residual")
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 3, 8, 8))
            .putInitializer("wa", OutputReconstructionTest.rnd(r, 0.4f, 8, 3, 3, 3))
            .putInitializer("ba", OutputReconstructionTest.rnd(r, 0.1f, 8))
            .putInitializer("wb", OutputReconstructionTest.rnd(r, 0.2f, 8, 8, 3, 3))
            .putInitializer("bb", OutputReconstructionTest.rnd(r, 0.1f, 8))
            .putInitializer("w1", OutputReconstructionTest.rnd(r, 0.3f, 5, 8))
            .putInitializer("b1", OutputReconstructionTest.rnd(r, 0.1f, 5))
            .addNode(
                Node.builder("Conv")
                    .name("a")
                    .inputs("x", "wa", "ba")
                    .outputs("ya")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("ra").inputs("ya").outputs("za").build())
            .addNode(
                Node.builder("Conv")
                    .name("b")
                    .inputs("za", "wb", "bb")
                    .outputs("yb")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Add").name("add").inputs("yb", "ya").outputs("s").build())
            .addNode(Node.builder("Relu").name("rs").inputs("s").outputs("zs").build())
            .addNode(
                Node.builder("GlobalAveragePool").name("gap").inputs("zs").outputs("p").build())
            .addNode(Node.builder("Flatten").name("flat").inputs("p").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc1")
                    .inputs("f", "w1", "b1")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 5))
            .build();
    return Model.of(g, 13);
  }

  /**
   * With a compressed and b kept at full rank, b's sequential fit is W' = W C S^-1, the
   * least-squares map from the inputs b gets to its original outputs: its output error is below
   * that of the original W on the same inputs.
   */
  @Test
  void fullRankLayerAfterACompressedOneCorrectsItsInputs() {
    Model original = OutputReconstructionTest.net(6);
    TensorValue calib = OutputReconstructionTest.rnd(new Random(7), 1f, 64, 3, 8, 8);
    LayerFactorizer f = LayerFactorizer.create();
    Map<String, Choice> plan =
        Map.of("a", Choice.of(Method.TUCKER2, 3, 2), "b", Choice.of(Method.TUCKER2, 12, 8));
    SequentialFactorization.Result data =
        SequentialFactorization.run(
            original,
            List.of("a", "b"),
            calib,
            16,
            (g, layer, s) -> f.factorize(g, layer, plan.get(layer), s),
            ProgressListener.NONE);
    Model aOnly = LayerRewriter.rewrite(original, "a", data.layers().get("a"));
    double corrected = OutputReconstructionTest.relativeError(original, data.model(), calib, "yb");
    double uncorrected = OutputReconstructionTest.relativeError(original, aOnly, calib, "yb");
    assertTrue(corrected < 0.95 * uncorrected, "W' " + corrected + " vs W " + uncorrected);
  }

  /**
   * With a bias, the sequential fit also refits it (b̂ = b + W mu - Ŵ mû): the affine least-squares
   * fit of the layer's original outputs on the inputs it gets, which can only beat the fit with the
   * bias kept (the uncentered one) on the calibration images; the inputs of b come after a ReLU, so
   * their mean is far from zero.
   */
  @Test
  void centeredFitRefitsTheBiasAndBeatsTheFitWithTheBiasKept() {
    Model original = OutputReconstructionTest.net(8);
    TensorValue calib = OutputReconstructionTest.rnd(new Random(9), 1f, 64, 3, 8, 8);
    LayerFactorizer f = LayerFactorizer.create();
    for (Choice b : List.of(Choice.of(Method.TUCKER2, 12, 8), Choice.of(Method.TUCKER2, 4, 3))) {
      Map<String, Choice> plan = Map.of("a", Choice.of(Method.TUCKER2, 3, 2), "b", b);
      double[] errors = new double[2]; // bias kept, bias refitted
      for (int centered = 0; centered < 2; centered++) {
        SequentialFactorization.Result r =
            SequentialFactorization.run(
                original,
                List.of("a", "b"),
                calib,
                16,
                (g, layer, s) -> f.factorize(g, layer, plan.get(layer), s),
                ProgressListener.NONE,
                centered == 1);
        errors[centered] = OutputReconstructionTest.relativeError(original, r.model(), calib, "yb");
      }
      assertTrue(
          errors[1] < errors[0],
          b + ": centered with bias " + errors[1] + " vs bias kept " + errors[0]);
    }
  }
}
