package org.lowrank.train.refit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
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

class OutputReconstructionTest {

  static TensorValue rnd(Random r, float scale, long... dims) {
    float[] v = new float[(int) TensorValue.elementCount(dims)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian() * scale;
    }
    return TensorValue.ofFloats(dims, v);
  }

  /**
   * x [N,3,8,8] -> conv a 3->8 -> relu -> conv b 8->12 -> relu -> GAP -> fc1 12->20 -> relu -> fc2
   * -> y [N,5].
   */
  static Model net(long seed) {
    Random r = new Random(seed);
    Graph g =
        Graph.builder()
            .name("refit")
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 3, 8, 8))
            .putInitializer("wa", rnd(r, 0.4f, 8, 3, 3, 3))
            .putInitializer("ba", rnd(r, 0.1f, 8))
            .putInitializer("wb", rnd(r, 0.2f, 12, 8, 3, 3))
            .putInitializer("bb", rnd(r, 0.1f, 12))
            .putInitializer("w1", rnd(r, 0.3f, 20, 12))
            .putInitializer("b1", rnd(r, 0.1f, 20))
            .putInitializer("w2", rnd(r, 0.3f, 20, 5))
            .putInitializer("b2", rnd(r, 0.1f, 5))
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
            .addNode(Node.builder("Relu").name("rb").inputs("yb").outputs("zb").build())
            .addNode(
                Node.builder("GlobalAveragePool").name("gap").inputs("zb").outputs("p").build())
            .addNode(Node.builder("Flatten").name("flat").inputs("p").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc1")
                    .inputs("f", "w1", "b1")
                    .outputs("h1")
                    .attr("transB", 1L)
                    .build())
            .addNode(Node.builder("Relu").name("r1").inputs("h1").outputs("g1").build())
            .addNode(Node.builder("Gemm").name("fc2").inputs("g1", "w2", "b2").outputs("y").build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 5))
            .build();
    return Model.of(g, 13);
  }

  static Model factorize(Model m, String layer, Choice c) {
    return LayerRewriter.rewrite(m, layer, LayerFactorizer.create().factorize(m.graph(), layer, c));
  }

  /** The compressed model with the weight of the node producing {@code out} replaced by noise. */
  static Model scrambleLast(Model m, String out, long seed) {
    Node last = m.graph().producers().get(out);
    String w = last.input(1);
    TensorValue old = m.graph().initializers().get(w);
    return m.withGraph(
        m.graph().toBuilder().putInitializer(w, rnd(new Random(seed), 0.5f, old.dims())).build());
  }

  static double relativeError(Model a, Model b, TensorValue x, String tensor) {
    try (GraphExecutor ea = GraphExecutor.of(a);
        GraphExecutor eb = GraphExecutor.of(b)) {
      float[] ya = ea.featureMapValues(Map.of("x", x), List.of(tensor)).get(tensor).toFloatArray();
      float[] yb = eb.featureMapValues(Map.of("x", x), List.of(tensor)).get(tensor).toFloatArray();
      double num = 0;
      double den = 0;
      for (int i = 0; i < ya.length; i++) {
        num += (ya[i] - yb[i]) * (ya[i] - yb[i]);
        den += ya[i] * ya[i];
      }
      return Math.sqrt(num / den);
    }
  }

  @Test
  void fullRankFactorsWithAScrambledLastFactorAreRestoredExactly() {
    Model original = net(1);
    Model compressed = factorize(original, "b", Choice.of(Method.TUCKER2, 12, 8));
    compressed = scrambleLast(compressed, "yb", 7);
    TensorValue calib = rnd(new Random(2), 1f, 64, 3, 8, 8);
    TensorValue fresh = rnd(new Random(3), 1f, 16, 3, 8, 8);
    assertTrue(
        relativeError(original, compressed, fresh, "yb") > 0.5,
        "scrambling did not break the layer");

    OutputReconstruction.Result r =
        OutputReconstruction.refit(
            original,
            compressed,
            List.of("b"),
            calib,
            OutputReconstruction.Settings.defaults(),
            ProgressListener.NONE);

    OutputReconstruction.LayerFit fit = r.layers().get(0);
    assertTrue(fit.refitted(), fit.toString());
    assertEquals(12, fit.features());
    assertEquals(64L * 64, fit.samples());
    assertTrue(fit.errorBefore() > 0.5, fit.toString());
    assertTrue(fit.errorAfter() < 1e-3, fit.toString());
    // the exact factorization generalizes: images never seen by the refit match too
    assertTrue(relativeError(original, r.model(), fresh, "yb") < 1e-3);
    assertTrue(relativeError(original, r.model(), fresh, "y") < 1e-3);
  }

  @Test
  void fullRankSvdWithAScrambledSecondFactorIsRestored() {
    Model original = net(4);
    Model compressed = scrambleLast(factorize(original, "fc1", Choice.of(Method.SVD, 12)), "h1", 9);
    TensorValue calib = rnd(new Random(5), 1f, 256, 3, 8, 8);
    TensorValue fresh = rnd(new Random(6), 1f, 16, 3, 8, 8);

    OutputReconstruction.Result r =
        OutputReconstruction.refit(
            original,
            compressed,
            List.of("fc1"),
            calib,
            OutputReconstruction.Settings.defaults(),
            ProgressListener.NONE);

    assertTrue(r.layers().get(0).refitted(), r.layers().toString());
    double e = relativeError(original, r.model(), fresh, "h1");
    assertTrue(e < 1e-3, e + " " + r.layers());
  }

  @Test
  void lowRankRefitLowersTheErrorOnUnseenImagesLayerAfterLayer() {
    Model original = net(8);
    Model compressed = factorize(original, "a", Choice.of(Method.TUCKER2, 3, 2));
    compressed = factorize(compressed, "b", Choice.of(Method.CP, 3));
    TensorValue calib = rnd(new Random(10), 1f, 128, 3, 8, 8);
    TensorValue fresh = rnd(new Random(11), 1f, 32, 3, 8, 8);

    OutputReconstruction.Result r =
        OutputReconstruction.refit(
            original,
            compressed,
            List.of("a", "b"),
            calib,
            OutputReconstruction.Settings.defaults(),
            ProgressListener.NONE);

    for (OutputReconstruction.LayerFit f : r.layers()) {
      assertTrue(f.refitted(), f.toString());
      assertTrue(f.errorAfter() < f.errorBefore(), f.toString());
    }
    assertTrue(
        relativeError(original, r.model(), fresh, "yb")
            < relativeError(original, compressed, fresh, "yb"));
    assertTrue(
        relativeError(original, r.model(), fresh, "y")
            < relativeError(original, compressed, fresh, "y"));
    // the input model is left as it was
    assertNotNull(compressed.graph());
    assertTrue(
        relativeError(original, compressed, fresh, "yb")
            > relativeError(original, r.model(), fresh, "yb"));
  }

  @Test
  void tooFewSamplesAndNonAffineLastNodesAreSkippedWithAReason() {
    Model original = net(12);
    Model compressed = factorize(original, "fc1", Choice.of(Method.SVD, 6));
    compressed = factorize(compressed, "b", Choice.of(Method.TUCKER2, 4, 4));
    TensorValue calib = rnd(new Random(13), 1f, 8, 3, 8, 8);

    OutputReconstruction.Result r =
        OutputReconstruction.refit(
            original,
            compressed,
            List.of("b", "fc1"),
            calib,
            OutputReconstruction.Settings.defaults(),
            ProgressListener.NONE);

    assertTrue(r.layers().get(0).refitted(), r.layers().get(0).toString());
    OutputReconstruction.LayerFit fc = r.layers().get(1);
    assertFalse(fc.refitted());
    assertTrue(fc.skipped().contains("calibration images"), fc.skipped());
    // a TT-matrix chain ends in a Reshape: not an affine node
    Model ttm =
        factorize(original, "fc1", Choice.ttm(new int[] {4, 5}, new int[] {3, 4}, new int[] {2}));
    OutputReconstruction.Result none =
        OutputReconstruction.refit(
            original,
            ttm,
            List.of("fc1"),
            rnd(new Random(14), 1f, 256, 3, 8, 8),
            OutputReconstruction.Settings.defaults(),
            ProgressListener.NONE);
    assertFalse(none.layers().get(0).refitted());
    assertTrue(
        none.layers().get(0).skipped().contains("not a Conv"), none.layers().get(0).skipped());
  }

  /**
   * A kxk last conv is fitted on its input patches (im2col by a probe conv with a one-hot kernel).
   */
  @Test
  void aScrambledPaddedStridedKxkConvIsRestoredFromItsInputPatches() {
    Model original = net(15);
    // make conv b strided: 8x8 -> 4x4
    Node b = original.graph().node("b").orElseThrow();
    List<Node> nodes = new java.util.ArrayList<>();
    for (Node n : original.graph().nodes()) {
      nodes.add(n == b ? n.toBuilder().attrInts("strides", 2, 2).build() : n);
    }
    original = original.withGraph(original.graph().toBuilder().nodes(nodes).build());
    Model broken = scrambleLast(scrambleLast(original, "ya", 16), "yb", 17);
    TensorValue calib = rnd(new Random(18), 1f, 64, 3, 8, 8);
    TensorValue fresh = rnd(new Random(19), 1f, 16, 3, 8, 8);

    OutputReconstruction.Result r =
        OutputReconstruction.refit(
            original,
            broken,
            List.of("a", "b"),
            calib,
            OutputReconstruction.Settings.defaults(),
            ProgressListener.NONE);

    assertEquals(3 * 9, r.layers().get(0).features());
    assertEquals(8 * 9, r.layers().get(1).features());
    assertEquals(64L * 16, r.layers().get(1).samples());
    for (OutputReconstruction.LayerFit f : r.layers()) {
      assertTrue(f.refitted() && f.errorBefore() > 0.5 && f.errorAfter() < 1e-3, f.toString());
    }
    assertTrue(relativeError(original, r.model(), fresh, "y") < 1e-3);
    // the probe does not stay in the model
    assertEquals(original.graph().nodes().size(), r.model().graph().nodes().size());
  }
}
