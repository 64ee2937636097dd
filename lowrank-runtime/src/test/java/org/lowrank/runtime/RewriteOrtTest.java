package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.CpConv;
import org.lowrank.rewrite.DenseLayer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.rewrite.LowRankDense;
import org.lowrank.rewrite.TtConv;
import org.lowrank.rewrite.TtMatrixDense;
import org.lowrank.rewrite.Tucker2Conv;
import org.lowrank.runtime.SyntheticModels.ConvSpec;

/** Every rewrite kind, run in ONNX Runtime against the original / dense-reconstruction model. */
class RewriteOrtTest {
  private static final double TOL = 1e-4;
  private static final RuntimeOptions ONE_THREAD = RuntimeOptions.singleThreaded();

  static List<ConvSpec> convSpecs() {
    return List.of(
        new ConvSpec(
            "conv1d_s2_pad",
            6,
            4,
            new long[] {3},
            new long[] {20},
            new long[] {2},
            new long[] {1, 2},
            new long[] {1},
            null,
            1,
            true),
        new ConvSpec(
            "conv2d_stride_pad_dil",
            7,
            5,
            new long[] {3, 3},
            new long[] {11, 9},
            new long[] {2, 1},
            new long[] {1, 0, 2, 1},
            new long[] {1, 2},
            null,
            1,
            true),
        new ConvSpec(
            "conv2d_same_upper_3x5",
            6,
            4,
            new long[] {3, 5},
            new long[] {9, 10},
            new long[] {2, 2},
            new long[] {0, 0, 0, 0},
            new long[] {1, 1},
            "SAME_UPPER",
            1,
            false),
        new ConvSpec(
            "conv2d_same_lower",
            5,
            3,
            new long[] {2, 3},
            new long[] {7, 8},
            new long[] {1, 2},
            new long[] {0, 0, 0, 0},
            new long[] {1, 1},
            "SAME_LOWER",
            1,
            true),
        new ConvSpec(
            "conv3d",
            4,
            3,
            new long[] {3, 2, 3},
            new long[] {6, 7, 5},
            new long[] {1, 2, 1},
            new long[] {1, 0, 1, 1, 1, 0},
            new long[] {2, 1, 1},
            null,
            1,
            true));
  }

  enum ConvKind {
    TUCKER2,
    TT,
    CP3,
    CP_SEPARABLE
  }

  static Stream<Arguments> convCases() {
    List<Arguments> out = new ArrayList<>();
    for (ConvSpec s : convSpecs()) {
      for (ConvKind k : ConvKind.values()) {
        out.add(Arguments.of(s, k));
      }
    }
    return out.stream();
  }

  static FactorizedLayer exact(ConvKind kind, TensorValue w, Random rnd) {
    return switch (kind) {
      case TUCKER2 -> TestFactors.tucker2Exact(w, rnd);
      case TT -> TestFactors.ttExact(w, rnd);
      case CP3 -> TestFactors.cpExact(w, false, rnd);
      case CP_SEPARABLE -> TestFactors.cpExact(w, true, rnd);
    };
  }

  static FactorizedLayer reduced(ConvKind kind, long cout, long cin, long[] k, Random rnd) {
    long[] core = new long[2 + k.length];
    core[0] = 3;
    core[1] = 2;
    System.arraycopy(k, 0, core, 2, k.length);
    long[] mid = new long[2 + k.length];
    mid[0] = 3;
    System.arraycopy(k, 0, mid, 1, k.length);
    mid[k.length + 1] = 2;
    long kk = 1;
    for (long x : k) {
      kk *= x;
    }
    return switch (kind) {
      case TUCKER2 ->
          new Tucker2Conv(
              TestFactors.random(rnd, cout, 3),
              TestFactors.random(rnd, core),
              TestFactors.random(rnd, cin, 2));
      case TT ->
          new TtConv(
              TestFactors.random(rnd, cout, 3),
              TestFactors.random(rnd, mid),
              TestFactors.random(rnd, 2, cin));
      case CP3 ->
          CpConv.cp3(
                  TestFactors.random(rnd, cout, 4),
                  TestFactors.random(rnd, kk, 4),
                  TestFactors.random(rnd, cin, 4),
                  k)
              .withWeights(new float[] {1f, 2f, 0.5f, -1f});
      case CP_SEPARABLE -> {
        List<TensorValue> axes = new ArrayList<>();
        for (long kj : k) {
          axes.add(TestFactors.random(rnd, kj, 4));
        }
        yield CpConv.separable(
            TestFactors.random(rnd, cout, 4), axes, TestFactors.random(rnd, cin, 4));
      }
    };
  }

  /** Both models in ONNX Runtime on the same seeded batch of 2. */
  static ExportCheckResult check(Model reference, Model candidate) {
    try (OrtRunner a = OrtRunner.open(reference, "reference", ONE_THREAD);
        OrtRunner b = OrtRunner.open(candidate, "rewritten", ONE_THREAD)) {
      return ExportCheck.compare(a, b, a.randomInputs(2, 11L));
    }
  }

  /** The candidate matches the reference within 1e-4 relative on a non-trivial output. */
  static void assertMatches(Model reference, Model candidate) {
    ExportCheckResult r = check(reference, candidate);
    assertTrue(r.passes(TOL), r.toString());
    assertTrue(r.outputs().get(0).referenceMaxAbs() > 0, "trivial reference output");
  }

  private static void assertChainNamed(Model rewritten, String layer, String method) {
    assertFalse(rewritten.graph().node(layer).isPresent(), "original node still present");
    long named =
        rewritten.graph().nodes().stream()
            .filter(n -> n.name().startsWith(layer + "/" + method))
            .count();
    assertTrue(named >= 2, "expected the chain named " + layer + "/" + method + "*");
    for (String init : rewritten.graph().initializers().keySet()) {
      assertTrue(init.startsWith(layer + "/") || init.startsWith(layer + "."), init);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("convCases")
  void convFullRankMatchesOriginal(ConvSpec s, ConvKind kind) {
    Model model = SyntheticModels.conv(s, 1L, false);
    TensorValue w = ConvLayer.of(model.graph(), model.graph().node("conv").orElseThrow()).weight();
    FactorizedLayer spec = exact(kind, w, new Random(2));
    Model rewritten = LayerRewriter.rewrite(model, "conv", spec);
    assertChainNamed(rewritten, "conv", spec.method());
    assertFalse(rewritten.graph().initializers().containsKey("conv.weight"), "old weight kept");
    assertMatches(model, rewritten);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("convCases")
  void convReducedRankMatchesDenseReconstruction(ConvSpec s, ConvKind kind) {
    Model model = SyntheticModels.conv(s, 3L, false);
    FactorizedLayer spec = reduced(kind, s.cout(), s.cin(), s.kernel(), new Random(4));
    Model rewritten = LayerRewriter.rewrite(model, "conv", spec);
    Model reference = LayerRewriter.withWeight(model, "conv", spec.reconstruct());
    assertMatches(reference, rewritten);
    // and the reduced model really differs from the original
    assertTrue(check(model, rewritten).maxRelativeDifference() > 1e-2);
  }

  /** One-sided Tucker-2 (r_in = C_in, or r_out = C_out): the square factor is folded, two convs. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("convSpecs")
  void oneSidedTuckerFoldsTheSquareFactorAndMatchesDenseReconstruction(ConvSpec s) {
    Model model = SyntheticModels.conv(s, 5L, false);
    Random rnd = new Random(6);
    long[] k = s.kernel();
    for (long[] ranks : new long[][] {{3, s.cin()}, {s.cout(), 2}}) {
      Tucker2Conv spec =
          new Tucker2Conv(
              TestFactors.random(rnd, s.cout(), ranks[0]),
              TestFactors.random(rnd, concat(ranks, k)),
              TestFactors.random(rnd, s.cin(), ranks[1]));
      Model rewritten = LayerRewriter.rewrite(model, "conv", spec);
      List<Node> convs =
          rewritten.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).toList();
      assertEquals(2, convs.size(), "ranks " + java.util.Arrays.toString(ranks) + ": " + convs);
      long weights =
          convs.stream()
              .mapToLong(n -> rewritten.graph().initializers().get(n.input(1)).elementCount())
              .sum();
      assertEquals(spec.parameterCount(), weights);
      assertMatches(LayerRewriter.withWeight(model, "conv", spec.reconstruct()), rewritten);
    }
  }

  @Test
  void constantWeightIsRewrittenAndItsConstantNodeDropped() {
    ConvSpec s = convSpecs().get(1);
    Model model = SyntheticModels.conv(s, 5L, true);
    Node conv = model.graph().node("conv").orElseThrow();
    TensorValue w = ConvLayer.of(model.graph(), conv).weight();
    Model rewritten =
        LayerRewriter.rewrite(model, "conv", TestFactors.tucker2Exact(w, new Random(6)));
    assertFalse(rewritten.graph().node("conv.weight_const").isPresent(), "dangling Constant kept");
    assertMatches(model, rewritten);
  }

  @Test
  void groupedConvIsLeftUntouchedAndRefused() {
    Model model = SyntheticModels.groupedThenPlain(7L);
    TensorValue w = ConvLayer.of(model.graph(), model.graph().node("conv").orElseThrow()).weight();
    Model rewritten =
        LayerRewriter.rewrite(model, "conv", TestFactors.tucker2Exact(w, new Random(8)));
    assertEquals(
        model.graph().node("gconv").orElseThrow(), rewritten.graph().node("gconv").orElseThrow());
    assertEquals(
        model.graph().initializer("gconv.weight"), rewritten.graph().initializer("gconv.weight"));
    assertMatches(model, rewritten);
    TensorValue gw = model.graph().initializer("gconv.weight").orElseThrow();
    UnsupportedModelException e =
        assertThrows(
            UnsupportedModelException.class,
            () ->
                LayerRewriter.rewrite(model, "gconv", TestFactors.tucker2Exact(gw, new Random(9))));
    assertTrue(
        e.getMessage().contains("gconv") && e.getMessage().contains("group"), e.getMessage());
  }

  static Stream<Arguments> denseModels() {
    return Stream.of(
        Arguments.of(
            "gemm_transB1_bias_alpha_beta",
            SyntheticModels.gemm(12, 6, false, true, 0.5f, 2f, true, 21L)),
        Arguments.of(
            "gemm_transB0_transA1", SyntheticModels.gemm(12, 6, true, false, 1f, 1f, true, 22L)),
        Arguments.of(
            "gemm_no_bias", SyntheticModels.gemm(12, 6, false, true, 1.5f, 1f, false, 23L)),
        Arguments.of("matmul_right", SyntheticModels.matmul(12, 6, false, false, 24L)),
        Arguments.of("matmul_right_sequence", SyntheticModels.matmul(12, 6, false, true, 25L)),
        Arguments.of("matmul_left_weight", SyntheticModels.matmul(12, 6, true, false, 26L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("denseModels")
  void denseFullRankMatchesOriginal(String label, Model model) {
    DenseLayer layer = DenseLayer.of(model.graph(), model.graph().node("fc").orElseThrow());
    TensorValue w = layer.weight();
    assertEquals(6, w.dim(0));
    Model lr = LayerRewriter.rewrite(model, "fc", TestFactors.lowRankExact(w, new Random(1)));
    assertChainNamed(lr, "fc", "svd");
    assertMatches(model, lr);
    if (!layer.weightOnLeft()) {
      for (long[][] modes :
          List.of(new long[][] {{2, 3}, {3, 4}}, new long[][] {{3, 1, 2}, {2, 3, 2}})) {
        TtMatrixDense ttm = TestFactors.ttMatrixExact(w, modes[0], modes[1]);
        Model tt = LayerRewriter.rewrite(model, "fc", ttm);
        assertChainNamed(tt, "fc", "ttm");
        assertTrue(tt.graph().nodes().stream().noneMatch(n -> n.opType().equals("Gemm")));
        assertMatches(model, tt);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("denseModels")
  void denseReducedRankMatchesDenseReconstruction(String label, Model model) {
    Random rnd = new Random(31);
    LowRankDense lr =
        new LowRankDense("qr", TestFactors.random(rnd, 6, 2), TestFactors.random(rnd, 2, 12));
    assertMatches(
        LayerRewriter.withWeight(model, "fc", lr.reconstruct()),
        LayerRewriter.rewrite(model, "fc", lr));
    DenseLayer layer = DenseLayer.of(model.graph(), model.graph().node("fc").orElseThrow());
    if (!layer.weightOnLeft()) {
      TtMatrixDense ttm =
          new TtMatrixDense(
              List.of(TestFactors.random(rnd, 1, 2, 3, 2), TestFactors.random(rnd, 2, 3, 4, 1)));
      assertMatches(
          LayerRewriter.withWeight(model, "fc", ttm.reconstruct()),
          LayerRewriter.rewrite(model, "fc", ttm));
    }
  }

  @Test
  void rewriteAllOnTwoLayers() {
    Model model = SyntheticModels.groupedThenPlain(41L);
    TensorValue w = model.graph().initializer("conv.weight").orElseThrow();
    Model once =
        LayerRewriter.rewriteAll(
            model, Map.of("conv", TestFactors.cpExact(w, true, new Random(3))));
    assertMatches(model, once);
  }

  @Test
  void oldOpsetUsesGemmWithZeroBiasAndSliceAttributes() {
    for (Model m13 :
        List.of(
            SyntheticModels.gemm(12, 6, false, true, 0.5f, 2f, true, 51L),
            SyntheticModels.matmul(12, 6, false, true, 52L))) {
      Model m9 = new Model(m13.graph(), 4, Map.of("", 9L), "test", "", "", Map.of());
      TensorValue w = DenseLayer.of(m9.graph(), m9.graph().node("fc").orElseThrow()).weight();
      Model lr = LayerRewriter.rewrite(m9, "fc", TestFactors.lowRankExact(w, new Random(1)));
      Model tt =
          LayerRewriter.rewrite(
              m9, "fc", TestFactors.ttMatrixExact(w, new long[] {2, 3}, new long[] {3, 4}));
      assertEquals(9, lr.opset());
      assertMatches(m9, lr);
      assertMatches(m9, tt);
    }
  }

  @Test
  void reshapedInitializerWeightIsRewrittenAfterWeightFolding() {
    // Gemm weight computed as Reshape(flat initializer, shape): refused as is, rewritten once
    // folded
    Random rnd = new Random(61);
    org.lowrank.graph.Graph g =
        org.lowrank.graph.Graph.builder()
            .name("reshaped")
            .addInput(SyntheticModels.batched("x", 12))
            .putInitializer("flat", TestFactors.random(rnd, 72))
            .putInitializer("shape", TensorValue.ofLongs(new long[] {2}, new long[] {6, 12}))
            .addNode(
                Node.builder("Reshape")
                    .name("w_reshape")
                    .inputs("flat", "shape")
                    .outputs("fc.weight")
                    .build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("x", "fc.weight")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(SyntheticModels.symbolicShape("y", 2))
            .build();
    Model model = Model.of(g, SyntheticModels.OPSET);
    LowRankDense lr =
        LowRankDense.of(TestFactors.random(rnd, 6, 2), TestFactors.random(rnd, 2, 12));
    UnsupportedModelException e =
        assertThrows(UnsupportedModelException.class, () -> LayerRewriter.rewrite(model, "fc", lr));
    assertTrue(e.getMessage().contains("WeightFolding"), e.getMessage());
    Model folded = org.lowrank.analysis.WeightFolding.fold(model);
    TensorValue w = DenseLayer.of(folded.graph(), folded.graph().node("fc").orElseThrow()).weight();
    Model rewritten =
        LayerRewriter.rewrite(folded, "fc", TestFactors.lowRankExact(w, new Random(2)));
    assertFalse(rewritten.graph().initializers().containsKey("flat"));
    assertMatches(model, rewritten);
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
