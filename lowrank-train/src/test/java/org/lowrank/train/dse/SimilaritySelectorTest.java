package org.lowrank.train.dse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.CandidateGrid;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.Planner;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.progress.ProgressListener;
import org.lowrank.tensor.DenseTensor;

class SimilaritySelectorTest {
  private static final int PLANTED = 4;

  /**
   * x [N, 3, 8, 8] -> conv1 (3->16, 3x3, pad 1) -> Relu -> conv2 (16->16, 3x3, pad 1, Tucker-2 rank
   * (4, 4) plus {@code noise}) -> Relu -> Flatten -> fc (Gemm 1024->10, transB). Seeded weights.
   */
  static Model model(double noise) {
    DenseTensor core = DenseTensor.random(11, PLANTED, PLANTED, 3, 3);
    DenseTensor w2 =
        core.modeProduct(DenseTensor.random(12, 16, PLANTED), 0)
            .modeProduct(DenseTensor.random(13, 16, PLANTED), 1)
            .plus(DenseTensor.random(14, 16, 16, 3, 3).scale(noise))
            .scale(0.1);
    Random rnd = new Random(3);
    Graph g =
        Graph.builder()
            .name("tiny")
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(3),
                        ValueInfo.Dim.of(8),
                        ValueInfo.Dim.of(8))))
            .putInitializer("w1", random(rnd, 0.3, 16, 3, 3, 3))
            .putInitializer("b1", random(rnd, 0.1, 16))
            .putInitializer("w2", TensorValue.ofFloats(new long[] {16, 16, 3, 3}, w2.toFloats()))
            .putInitializer("b2", random(rnd, 0.1, 16))
            .putInitializer("wf", random(rnd, 0.05, 10, 1024))
            .putInitializer("bf", random(rnd, 0.1, 10))
            .addNode(
                Node.builder("Conv")
                    .name("conv1")
                    .inputs("x", "w1", "b1")
                    .outputs("h1")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu1").inputs("h1").outputs("a1").build())
            .addNode(
                Node.builder("Conv")
                    .name("conv2")
                    .inputs("a1", "w2", "b2")
                    .outputs("h2")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu2").inputs("h2").outputs("a2").build())
            .addNode(
                Node.builder("Flatten")
                    .name("flat")
                    .inputs("a2")
                    .outputs("f")
                    .attr("axis", 1L)
                    .build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "wf", "bf")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    return Model.of(g, 13);
  }

  static TensorValue random(Random rnd, double scale, long... dims) {
    float[] f = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) (scale * rnd.nextGaussian());
    }
    return TensorValue.ofFloats(dims, f);
  }

  static TensorValue batch(int n, long seed) {
    return random(new Random(seed), 1.0, n, 3, 8, 8);
  }

  static SimilaritySelector.Builder selector(Model m, double threshold) {
    return SimilaritySelector.builder(m).calibration(batch(32, 5)).threshold(threshold).seed(1);
  }

  @Test
  void plantedTuckerRankIsFoundExactly() {
    try (SimilaritySelector s = selector(model(0), 0.999).build()) {
      LayerInput conv2 = s.layer("conv2");
      assertEquals(16, conv2.geometry().cout());
      assertArrayEquals(new long[] {8, 8}, conv2.geometry().outSpatial());
      BudgetAllocator.LayerOptions o = s.options(conv2, List.of(Method.TUCKER2));
      Candidate pick = o.candidates().get(o.preferred());
      // tolerance: exact; at the planted rank W_hat = W up to rounding, one rank less drops a
      // component
      assertArrayEquals(
          new int[] {PLANTED, PLANTED}, pick.choice().ranks(), o.candidates().toString());
      assertTrue(pick.score() > 0.99999, "similarity at the planted rank " + pick.score());
      double below = s.similarity("conv2", Choice.of(Method.TUCKER2, PLANTED - 1, PLANTED - 1));
      assertTrue(below < 0.999, "similarity below the planted rank " + below);
      assertTrue(o.candidates().get(0).isOriginal());
      assertTrue(
          o.candidates().size() >= 5,
          "spread candidates for the allocator: " + o.candidates().size());
    }
  }

  @Test
  void higherThresholdNeverGivesSmallerRanks() {
    Model m = model(0.3);
    double[] thresholds = {0.8, 0.9, 0.95, 0.99, 0.999};
    for (List<Method> methods :
        List.of(
            List.of(Method.TUCKER2),
            List.of(Method.TT),
            List.of(Method.CP),
            List.of(Method.TUCKER2, Method.CP, Method.TT))) {
      long prev = 0;
      for (double t : thresholds) {
        try (SimilaritySelector s = selector(m, t).build()) {
          BudgetAllocator.LayerOptions o = s.options(s.layer("conv2"), methods);
          Candidate pick = o.candidates().get(o.preferred());
          long params = pick.cost().params();
          assertTrue(
              params >= prev,
              methods + " threshold " + t + ": " + pick + " cheaper than at a lower one");
          assertTrue(pick.isOriginal() || pick.score() >= t);
          prev = params;
        }
      }
    }
  }

  @Test
  void perfectReconstructionHasSimilarityOne() {
    for (SimilarityMetric metric : SimilarityMetric.values()) {
      try (SimilaritySelector s = selector(model(0.3), 0.98).metric(metric).build()) {
        double full = s.similarity("conv2", Choice.of(Method.TUCKER2, 16, 16));
        assertEquals(1.0, full, 1e-5, metric + " at full Tucker-2 rank");
        double svd = s.similarity("fc", Choice.of(Method.SVD, 10));
        assertEquals(1.0, svd, 1e-5, metric + " at full SVD rank");
        assertTrue(s.similarity("conv2", Choice.of(Method.TUCKER2, 2, 2)) < 0.999);
      }
    }
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      NDArray y = nd.randomNormal(new Shape(6, 4, 5, 5));
      assertEquals(1.0, SimilarityMetric.COSINE.compute(y, y), 1e-12);
      assertEquals(1.0, SimilarityMetric.LINEAR_CKA.compute(y, y), 1e-12);
      assertEquals(-1.0, SimilarityMetric.COSINE.compute(y, y.neg()), 1e-12);
    }
  }

  @Test
  void ttMatrixCandidatesAreRatedLikeTheOthers() {
    try (SimilaritySelector s = selector(model(0.3), 0.98).build()) {
      LayerInput fc = s.layer("fc");
      // fc is [10, 1024]: modes (2, 5) x (32, 32), largest useful inner rank min(2*32, 5*32) = 64
      Choice full =
          CandidateGrid.ttm(
              fc.geometry(), CandidateGrid.ttmMaxRank(CandidateGrid.ttmModes(fc.geometry())));
      assertEquals(1.0, s.similarity("fc", full), 1e-5, "TT-matrix at full inner rank");
      assertTrue(s.similarity("fc", CandidateGrid.ttm(fc.geometry(), 1)) < 0.999);
      BudgetAllocator.LayerOptions o = s.options(fc, List.of(Method.TTM));
      assertTrue(o.candidates().size() > 1, "TT-matrix candidates: " + o.candidates());
      for (Candidate c : o.candidates()) {
        assertTrue(c.isOriginal() || c.choice().method() == Method.TTM, c.toString());
        assertTrue(
            c.isOriginal() || CostModel.reducesCost(fc.geometry(), c.choice()), c.toString());
      }
      Candidate pick = o.candidates().get(o.preferred());
      assertTrue(pick.isOriginal() || pick.score() >= 0.98, pick.toString());
    }
  }

  @Test
  void centeredCosineGivesNoCreditForTheKeptBiasAndMean() {
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      Shape shape = new Shape(8, 3, 4, 4);
      NDArray bias = nd.create(new float[] {5f, -4f, 6f}).reshape(1, 3, 1, 1);
      NDArray signal = nd.randomNormal(0, 1, shape, ai.djl.ndarray.types.DataType.FLOAT32);
      NDArray y = signal.add(bias);
      NDArray onlyBias = bias.broadcast(shape); // a candidate that lost all of the signal
      double plain = SimilarityMetric.COSINE.compute(y, onlyBias);
      double centered = SimilarityMetric.CENTERED_COSINE.compute(y, onlyBias);
      assertTrue(plain > 0.95, "plain cosine rates the bias alone " + plain);
      assertTrue(Math.abs(centered) < 0.1, "centered cosine rates it " + centered);
      assertEquals(1.0, SimilarityMetric.CENTERED_COSINE.compute(y, y), 1e-9);
      // the response around the channel means halved: the direction is kept
      NDArray mu = y.mean(new int[] {3}, true).mean(new int[] {2}, true).mean(new int[] {0}, true);
      assertEquals(
          1.0, SimilarityMetric.CENTERED_COSINE.compute(y, y.sub(mu).mul(0.5).add(mu)), 1e-6);
      double shifted = SimilarityMetric.CENTERED_COSINE.compute(y, y.add(1));
      assertTrue(shifted < 0.9, "a mean error still counts: " + shifted);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  SimilarityMetric.CENTERED_COSINE.compute(
                      nd.ones(new Shape(1, 5)), nd.ones(new Shape(1, 5))));
      assertTrue(e.getMessage().contains("calibration batch"), e.getMessage());
    }
    assertEquals(SimilarityMetric.CENTERED_COSINE, SimilarityMetric.parse("Centered"));
    // dense [N, T, C]: the channels are the last axis
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      Shape shape = new Shape(6, 5, 3);
      NDArray bias = nd.create(new float[] {5f, -4f, 6f}).reshape(1, 1, 3);
      NDArray y = nd.randomNormal(0, 1, shape, ai.djl.ndarray.types.DataType.FLOAT32).add(bias);
      NDArray onlyBias = bias.broadcast(shape);
      double last = SimilarityMetric.CENTERED_COSINE.compute(y, onlyBias, true);
      assertTrue(Math.abs(last) < 0.2, "channels last: " + last);
      assertTrue(
          SimilarityMetric.CENTERED_COSINE.compute(y, onlyBias, false) > 0.5,
          "axis 1 (tokens) as channels leaves the feature bias in");
    }
  }

  @Test
  void refitScoringRatesCandidatesAsDeployedAndIsRecorded() {
    try (SimilaritySelector on = selector(model(0.3), 0.98).build();
        SimilaritySelector off = selector(model(0.3), 0.98).refitLastFactor(false).build()) {
      double gain = 0;
      for (int r : new int[] {1, 2, 4, 8}) {
        Choice c = Choice.of(Method.TUCKER2, r, r);
        double a = on.similarity("conv2", c);
        double b = off.similarity("conv2", c);
        assertTrue(a >= b - 1e-9, "rank " + r + ": refitted " + a + " < raw " + b);
        gain = Math.max(gain, a - b);
      }
      assertTrue(gain > 1e-3, "the refit changed no score: " + gain);
      assertEquals(1.0, on.similarity("conv2", Choice.of(Method.TUCKER2, 16, 16)), 1e-5);
      assertEquals(true, on.settings().get("refit_last_factor"));
      assertEquals(false, off.settings().get("refit_last_factor"));
    }
  }

  /**
   * Data-aware scoring rates the layer the sequential data-aware fit deploys, which is not refitted
   * afterwards: the last-factor refit must not lift its score.
   */
  @Test
  void dataAwareScoresAreNotRefittedSinceTheDeployedFitIsNot() {
    try (SimilaritySelector on = selector(model(0.3), 0.98).dataAware(true).build();
        SimilaritySelector off =
            selector(model(0.3), 0.98).dataAware(true).refitLastFactor(false).build();
        SimilaritySelector weights = selector(model(0.3), 0.98).build()) {
      for (int r : new int[] {1, 2, 4}) {
        Choice c = Choice.of(Method.TUCKER2, r, r);
        assertEquals(off.similarity("conv2", c), on.similarity("conv2", c), 1e-12, "rank " + r);
      }
      // while the weight-only candidates still are (refitScoringRatesCandidatesAsDeployed...)
      Choice c = Choice.of(Method.TUCKER2, 2, 2);
      assertTrue(weights.similarity("conv2", c) != on.similarity("conv2", c));
    }
  }

  /**
   * Data-aware scores follow the data-aware fit's sample rule ({@link
   * org.lowrank.decomp.InputMoment#enoughSamples}): fc (1024 inputs, one sample per image) has too
   * few samples on 32 images, so its candidates are scored as the weight-only fit deploys them,
   * exactly as without data-aware scoring, while conv2 (144 patch features, 64 positions per image)
   * is scored data-aware.
   */
  @Test
  void dataAwareScoringFollowsTheSampleRuleOfTheFit() {
    try (SimilaritySelector data = selector(model(0.3), 0.98).dataAware(true).build();
        SimilaritySelector weights = selector(model(0.3), 0.98).build()) {
      for (int r : new int[] {1, 4}) {
        Choice c = Choice.of(Method.SVD, r);
        assertEquals(weights.similarity("fc", c), data.similarity("fc", c), 1e-12, "rank " + r);
      }
      Choice c = Choice.of(Method.TUCKER2, 2, 2);
      assertTrue(weights.similarity("conv2", c) != data.similarity("conv2", c));
    }
  }

  /**
   * The provider scores what {@code --factorize} deploys: with the layers refitted but fitted to
   * the weights alone ({@code --factorize weights}), the candidates are the refitted weight-only
   * ones, not the data-aware fit's.
   */
  @Test
  void providerScoresTheFitTheFactorizeModeDeploys() {
    Model m = model(0.3);
    List<LayerInput> layers;
    try (SimilaritySelector probe = selector(m, 0.98).build()) {
      layers = List.of(probe.layer("conv2"), probe.layer("fc"));
    }
    SimilaritySelectorProvider provider = new SimilaritySelectorProvider();
    SimilaritySelectorProvider.Options o =
        new SimilaritySelectorProvider.Options(0.98, SimilarityMetric.COSINE, 1);
    Choice c = Choice.of(Method.TUCKER2, 2, 2);
    for (boolean dataAware : new boolean[] {false, true}) {
      SelectorContext ctx =
          new SelectorContext(m, null, layers, 1, batch(32, 5), null, true, dataAware);
      try (SimilaritySelector s =
              (SimilaritySelector) provider.create(o, ctx, ProgressListener.NONE);
          SimilaritySelector expected = selector(m, 0.98).dataAware(dataAware).build()) {
        assertEquals(dataAware, s.settings().get("data_aware"));
        assertEquals(expected.similarity("conv2", c), s.similarity("conv2", c), 1e-12);
      }
    }
  }

  @Test
  void outputFoldedTuckerKeepsTheRawScoreWhereThePipelineWillNotRefitIt() {
    Random rnd = new Random(21);
    Graph g =
        Graph.builder()
            .name("wide")
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(120),
                        ValueInfo.Dim.of(4),
                        ValueInfo.Dim.of(4))))
            .putInitializer("w", random(rnd, 0.1, 16, 120, 3, 3))
            .putInitializer("b", random(rnd, 0.1, 16))
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("x", "w", "b")
                    .outputs("y")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    Model m = Model.of(g, 13);
    TensorValue batch = random(new Random(22), 1.0, 32, 120, 4, 4);
    try (SimilaritySelector on = SimilaritySelector.builder(m).calibration(batch).seed(1).build();
        SimilaritySelector off =
            SimilaritySelector.builder(m)
                .calibration(batch)
                .seed(1)
                .refitLastFactor(false)
                .build()) {
      // r_o = C_out folds U_out: the last conv is the 3x3 core over r_i channels, r_i * 9 patch
      // features
      Choice refittable = Choice.of(Method.TUCKER2, 16, 100); // 900 <= 1024
      Choice tooWide = Choice.of(Method.TUCKER2, 16, 116); // 1044 > 1024: the pipeline skips it
      assertTrue(on.similarity("conv", refittable) > off.similarity("conv", refittable) + 1e-6);
      assertEquals(off.similarity("conv", tooWide), on.similarity("conv", tooWide), 0.0);
    }
  }

  /**
   * x [N, 6, 4, 4] -> ConvTranspose "up" (6 -> 8, 3x3, stride 2, pads 1, output_padding 1) -> y.
   */
  private static Model upsampler() {
    Random rnd = new Random(31);
    Graph g =
        Graph.builder()
            .name("up")
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(6),
                        ValueInfo.Dim.of(4),
                        ValueInfo.Dim.of(4))))
            .putInitializer("w", random(rnd, 0.3, 6, 8, 3, 3))
            .putInitializer("b", random(rnd, 0.1, 8))
            .addNode(
                Node.builder("ConvTranspose")
                    .name("up")
                    .inputs("x", "w", "b")
                    .outputs("y")
                    .attrInts("strides", 2, 2)
                    .attrInts("pads", 1, 1, 1, 1)
                    .attrInts("output_padding", 1, 1)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    return Model.of(g, 13);
  }

  @Test
  void convTransposeIsProbedInConvLayoutAndScoredAsDeployed() {
    Model m = upsampler();
    TensorValue batch = random(new Random(32), 1.0, 32, 6, 4, 4);
    try (SimilaritySelector on = SimilaritySelector.builder(m).calibration(batch).seed(1).build();
        SimilaritySelector off =
            SimilaritySelector.builder(m)
                .calibration(batch)
                .seed(1)
                .refitLastFactor(false)
                .build()) {
      LayerInput up = on.layer("up");
      assertTrue(up.geometry().transposed());
      assertEquals(8, up.geometry().cout());
      assertEquals(6, up.geometry().cin());
      assertArrayEquals(new long[] {4, 4}, up.geometry().inSpatial());
      assertArrayEquals(new long[] {8, 8}, up.geometry().outSpatial());
      assertArrayEquals(new int[] {8, 6, 3, 3}, up.weight().shape());
      assertEquals(1.0, on.similarity("up", Choice.of(Method.TUCKER2, 8, 6)), 1e-5);
      // three ops ending in a 1x1 conv: refitted; U_out folded (r_o = C_out): ends in the
      // ConvTranspose core, which the pipeline does not refit
      Choice threeOps = Choice.of(Method.TUCKER2, 3, 3);
      assertTrue(on.similarity("up", threeOps) > off.similarity("up", threeOps) + 1e-6);
      Choice folded = Choice.of(Method.TUCKER2, 8, 2);
      assertEquals(off.similarity("up", folded), on.similarity("up", folded), 0.0);
    }
    // the probe fed the layer's own weight (conv layout) reproduces the model's output
    try (NDManager nd = NDManager.newBaseManager("PyTorch");
        LayerProbe p = LayerProbe.of(m, m.graph().node("up").orElseThrow()).orElseThrow();
        org.lowrank.train.exec.GraphExecutor ex = org.lowrank.train.exec.GraphExecutor.of(m)) {
      NDArray x = nd.create(batch.toFloatArray(), new Shape(batch.dims()));
      NDArray probed = p.run(nd, nd, x, p.weight());
      NDArray model = ex.featureMaps(nd, java.util.Map.of("x", x), List.of("y")).get("y");
      assertArrayEquals(model.toFloatArray(), probed.toFloatArray(), 1e-5f);
    }
  }

  @Test
  void ckaIsInvariantToOrthogonalTransformsAndIsotropicScaling() {
    Random rnd = new Random(9);
    int n = 20;
    int p = 30;
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      for (int trial = 0; trial < 5; trial++) {
        double[] y = gaussian(rnd, n * p);
        double[] q = orthogonal(rnd, p);
        double scale = 0.1 + 10 * rnd.nextDouble();
        double[] z = new double[n * p];
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < p; j++) {
            double v = 0;
            for (int k = 0; k < p; k++) {
              v += y[i * p + k] * q[k * p + j];
            }
            z[i * p + j] = scale * v;
          }
        }
        NDArray ya = nd.create(y, new Shape(n, p));
        NDArray za = nd.create(z, new Shape(n, p));
        assertEquals(1.0, SimilarityMetric.LINEAR_CKA.compute(ya, za), 1e-9, "trial " + trial);
        // cosine is not: it compares values, not representations
        assertTrue(SimilarityMetric.COSINE.compute(ya, za) < 0.9);
        NDArray other = nd.create(gaussian(rnd, n * p), new Shape(n, p));
        double unrelated = SimilarityMetric.LINEAR_CKA.compute(ya, other);
        assertTrue(unrelated < 0.9, "unrelated maps: " + unrelated);
        assertEquals(unrelated, SimilarityMetric.LINEAR_CKA.compute(za, other), 1e-9);
      }
    }
  }

  private static double[] gaussian(Random rnd, int n) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = rnd.nextGaussian();
    }
    return d;
  }

  /** A random orthogonal p x p matrix: Gram-Schmidt on Gaussian columns. */
  private static double[] orthogonal(Random rnd, int p) {
    double[][] cols = new double[p][];
    for (int j = 0; j < p; j++) {
      double[] v = gaussian(rnd, p);
      for (int k = 0; k < j; k++) {
        double dot = 0;
        for (int i = 0; i < p; i++) {
          dot += v[i] * cols[k][i];
        }
        for (int i = 0; i < p; i++) {
          v[i] -= dot * cols[k][i];
        }
      }
      double norm = 0;
      for (double x : v) {
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < p; i++) {
        v[i] /= norm;
      }
      cols[j] = v;
    }
    double[] q = new double[p * p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        q[i * p + j] = cols[j][i];
      }
    }
    return q;
  }

  @Test
  void plannerMeetsAParamsBudget() {
    try (SimilaritySelector s = selector(model(0.3), 0.98).build()) {
      List<LayerInput> layers = s.layers();
      assertEquals(List.of("conv1", "conv2", "fc"), layers.stream().map(LayerInput::name).toList());
      Cost total = Cost.ZERO;
      for (LayerInput l : layers) {
        total = total.plus(CostModel.original(l.geometry()));
      }
      for (List<Method> methods :
          List.of(
              List.of(Method.TUCKER2, Method.SVD),
              List.of(Method.TUCKER2, Method.CP, Method.TT, Method.SVD, Method.QR))) {
        Budget b = Budget.keepParams(0.4);
        Plan plan =
            Planner.plan(
                new Planner.Request("tiny.onnx", layers, List.of(), total, methods, s, b, 1),
                ProgressListener.NONE);
        assertTrue(
            plan.keptParamsFraction() <= 0.4 + 1e-12,
            methods + " kept " + plan.keptParamsFraction());
        assertTrue(
            plan.keptParamsFraction() > 0.25,
            methods + " wastes budget: " + plan.keptParamsFraction());
        assertEquals("similarity", plan.selector());
        assertEquals("cosine", plan.settings().get("metric"));
        LayerDecision fc = plan.layer("fc");
        assertNotNull(fc.choice(), "the 1024x10 classifier is the cheapest to factorize: " + fc);
        for (LayerDecision d : plan.layers()) {
          if (d.choice() != null) {
            assertTrue(d.after().params() < d.before().params(), d.toString());
            assertTrue(d.score() <= 1 + 1e-9 && d.score() > 0, d.toString());
          }
        }
      }
    }
  }

  @Test
  void badInputsAreClearErrors() {
    Model m = model(0);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SimilaritySelector.builder(m)
                    .calibration(random(new Random(1), 1, 4, 3, 9, 9))
                    .build());
    assertTrue(e.getMessage().contains("does not match model input 'x'"), e.getMessage());
    assertTrue(e.getMessage().contains("[4, 3, 9, 9]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SimilaritySelector.builder(m).build());
    assertTrue(e.getMessage().contains("no calibration batch"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SimilaritySelector.builder(m).calibration(new float[10], 1, 3, 8, 8));
    assertTrue(e.getMessage().contains("needs 192"), e.getMessage());
    for (double t : new double[] {0, -0.5, 1.01, Double.NaN}) {
      e =
          assertThrows(
              IllegalArgumentException.class, () -> SimilaritySelector.builder(m).threshold(t));
      assertTrue(e.getMessage().contains("threshold must be in (0, 1]"), e.getMessage());
    }
    SimilaritySelector.builder(m).threshold(1.0);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> selector(m, 0.9).layers(List.of("conv2", "nope")).build());
    assertTrue(
        e.getMessage().contains("'nope'") && e.getMessage().contains("conv1"), e.getMessage());
    try (SimilaritySelector s = selector(m, 0.9).build()) {
      LayerInput conv2 = s.layer("conv2");
      LayerInput renamed = new LayerInput("conv9", conv2.kind(), conv2.geometry(), conv2.weight());
      e =
          assertThrows(
              IllegalArgumentException.class, () -> s.options(renamed, List.of(Method.TUCKER2)));
      assertTrue(e.getMessage().contains("no factorizable layer named 'conv9'"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> s.layer("relu1"));
      assertTrue(e.getMessage().contains("'relu1'"), e.getMessage());
      LayerInput other =
          new LayerInput("conv2", conv2.kind(), conv2.geometry(), conv2.weight().scale(2));
      e =
          assertThrows(
              IllegalArgumentException.class, () -> s.options(other, List.of(Method.TUCKER2)));
      assertTrue(e.getMessage().contains("differs from the model's"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> s.options(conv2, List.of(Method.SVD)));
      assertTrue(e.getMessage().contains("svd does not apply"), e.getMessage());
    }
  }

  @Test
  void sameSeedGivesTheSameCandidates() {
    Model m = model(0.3);
    List<List<Candidate>> runs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      // a larger batch than the calibration size: the subset is drawn with the seed
      try (SimilaritySelector s =
          SimilaritySelector.builder(m)
              .calibration(batch(40, 5))
              .calibrationSize(24)
              .seed(7)
              .build()) {
        assertEquals(24L, s.settings().get("calibration_size"));
        runs.add(s.options(s.layer("conv2"), List.of(Method.CP, Method.TUCKER2)).candidates());
      }
    }
    assertEquals(runs.get(0), runs.get(1));
  }

  @Test
  void spreadCoversBothEnds() {
    assertArrayEquals(new int[] {0, 3, 6, 9}, CandidateGrid.spread(10, 4));
    assertArrayEquals(new int[] {0, 1, 2}, CandidateGrid.spread(3, 10));
    assertArrayEquals(new int[0], CandidateGrid.spread(0, 10));
    List<Integer> all = new ArrayList<>();
    for (int i : CandidateGrid.spread(48, 10)) {
      all.add(i);
    }
    assertEquals(10, all.size());
    assertEquals(47, all.get(all.size() - 1));
  }
}
