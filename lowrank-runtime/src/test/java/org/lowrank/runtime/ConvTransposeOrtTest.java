package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.RewriteOrtTest.ConvKind;

/**
 * ConvTranspose layers factorized in conv layout and rewritten as 1x1 Conv -> ConvTranspose core ->
 * 1x1 Conv, run in ONNX Runtime: full rank reproduces the layer, reduced rank its dense
 * reconstruction, for stride, pads, output_padding, dilations, auto_pad and output_shape.
 */
class ConvTransposeOrtTest {
  private static final LayerFactorizer FACTORIZER = LayerFactorizer.builder().optSeed(5).build();
  private static final LayerFactorizer SEPARABLE =
      LayerFactorizer.builder().optSeed(5).optSeparableCp(true).build();

  /** ConvTranspose weight [cin, cout/groups, kernel..] on inputs [N, cin, spatial..]. */
  record Spec(
      String label,
      long cin,
      long cout,
      long[] kernel,
      long[] spatial,
      long[] strides,
      long[] pads,
      long[] outputPadding,
      long[] dilations,
      String autoPad,
      long[] outputShape,
      long groups) {
    @Override
    public String toString() {
      return label;
    }
  }

  static List<Spec> specs() {
    return List.of(
        new Spec(
            "convT1d_s2_pad_outpad",
            5,
            6,
            new long[] {3},
            new long[] {7},
            new long[] {2},
            new long[] {1, 0},
            new long[] {1},
            new long[] {1},
            null,
            null,
            1),
        new Spec(
            "convT2d_stride_pad_outpad_dil",
            6,
            7,
            new long[] {3, 3},
            new long[] {5, 4},
            new long[] {2, 3},
            new long[] {1, 0, 1, 2},
            new long[] {1, 2},
            new long[] {1, 2},
            null,
            null,
            1),
        new Spec(
            "convT2d_same_upper_3x4",
            4,
            6,
            new long[] {3, 4},
            new long[] {4, 5},
            new long[] {2, 2},
            null,
            new long[] {0, 0},
            new long[] {1, 1},
            "SAME_UPPER",
            null,
            1),
        new Spec(
            "convT2d_same_lower",
            5,
            4,
            new long[] {3, 2},
            new long[] {4, 5},
            new long[] {2, 1},
            null,
            new long[] {0, 0},
            new long[] {1, 1},
            "SAME_LOWER",
            null,
            1),
        new Spec(
            "convT2d_output_shape",
            5,
            6,
            new long[] {3, 3},
            new long[] {5, 4},
            new long[] {2, 2},
            null,
            new long[] {0, 0},
            new long[] {1, 1},
            null,
            new long[] {10, 8},
            1),
        new Spec(
            "convT3d",
            3,
            4,
            new long[] {2, 3, 2},
            new long[] {3, 4, 3},
            new long[] {2, 1, 2},
            new long[] {0, 1, 1, 1, 0, 0},
            new long[] {1, 0, 0},
            new long[] {1, 1, 2},
            null,
            null,
            1));
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Spec s : specs()) {
      for (ConvKind k : ConvKind.values()) {
        out.add(Arguments.of(s, k));
      }
    }
    return out.stream();
  }

  /** x -> ConvTranspose "deconv" (bias) -> y. */
  static Model model(Spec s, long seed) {
    Random rnd = new Random(seed);
    long[] wDims = new long[2 + s.kernel().length];
    wDims[0] = s.cin();
    wDims[1] = s.cout() / s.groups();
    System.arraycopy(s.kernel(), 0, wDims, 2, s.kernel().length);
    Node.Builder n =
        Node.builder("ConvTranspose")
            .name("deconv")
            .inputs("x", "deconv.weight", "deconv.bias")
            .outputs("y")
            .attrInts("kernel_shape", s.kernel())
            .attrInts("strides", s.strides())
            .attrInts("dilations", s.dilations())
            .attr("group", s.groups());
    if (s.pads() != null) {
      n.attrInts("pads", s.pads());
    }
    if (s.autoPad() != null) {
      n.attr("auto_pad", s.autoPad());
    }
    if (Arrays.stream(s.outputPadding()).anyMatch(v -> v != 0)) {
      n.attrInts("output_padding", s.outputPadding());
    }
    if (s.outputShape() != null) {
      n.attrInts("output_shape", s.outputShape());
    }
    Graph g =
        Graph.builder()
            .name("deconv_" + s.label())
            .addInput(SyntheticModels.batched("x", SyntheticModels.concatC(s.cin(), s.spatial())))
            .putInitializer("deconv.weight", SyntheticModels.random(rnd, wDims))
            .putInitializer("deconv.bias", SyntheticModels.random(rnd, s.cout()))
            .addNode(n.build())
            .addOutput(SyntheticModels.symbolicShape("y", 2 + s.kernel().length))
            .build();
    return Model.of(g, SyntheticModels.OPSET);
  }

  private static TensorValue convLayout(Model m) {
    return ConvLayer.of(m.graph(), m.graph().node("deconv").orElseThrow()).weight();
  }

  /** The chain's core is a ConvTranspose carrying the layer's window; the ends are 1x1 Convs. */
  private static void assertChain(Model rewritten, String method) {
    assertFalse(rewritten.graph().node("deconv").isPresent(), "original node still present");
    List<Node> chain =
        rewritten.graph().nodes().stream()
            .filter(n -> n.name().startsWith("deconv/" + method))
            .toList();
    assertTrue(chain.size() >= 2, chain.toString());
    assertTrue(chain.stream().anyMatch(n -> n.opType().equals("ConvTranspose")), chain.toString());
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void fullRankMatchesTheLayer(Spec s, ConvKind kind) {
    Model model = model(s, 1L);
    FactorizedLayer spec = RewriteOrtTest.exact(kind, convLayout(model), new Random(2));
    Model rewritten = LayerRewriter.rewrite(model, "deconv", spec);
    assertChain(rewritten, spec.method());
    RewriteOrtTest.assertMatches(model, rewritten);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void reducedRankMatchesDenseReconstruction(Spec s, ConvKind kind) {
    Model model = model(s, 3L);
    FactorizedLayer spec =
        RewriteOrtTest.reduced(kind, s.cout(), s.cin(), s.kernel(), new Random(4));
    Model rewritten = LayerRewriter.rewrite(model, "deconv", spec);
    RewriteOrtTest.assertMatches(
        LayerRewriter.withWeight(model, "deconv", spec.reconstruct()), rewritten);
    assertTrue(
        RewriteOrtTest.check(model, rewritten).maxRelativeDifference() > 1e-2,
        "reduced rank is not exact");
  }

  /** The real decompositions, full rank and reduced, including the folded one-sided Tucker-2. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void factorizerOutputRewritesExactly(Spec s) {
    Model model = model(s, 5L);
    int cout = (int) s.cout();
    int cin = (int) s.cin();
    int kk = (int) Arrays.stream(s.kernel()).reduce(1, (a, b) -> a * b);
    RewriteOrtTest.assertMatches(
        model,
        LayerRewriter.rewrite(
            model,
            "deconv",
            FACTORIZER.factorize(model.graph(), "deconv", Choice.of(Method.TUCKER2, cout, cin))));
    RewriteOrtTest.assertMatches(
        model,
        LayerRewriter.rewrite(
            model,
            "deconv",
            FACTORIZER.factorize(
                model.graph(),
                "deconv",
                Choice.of(Method.TT, ConvTensorTrainSvd.fullRanks(cout, cin, kk)))));
    for (Choice c :
        List.of(
            Choice.of(Method.TUCKER2, 2, 2),
            Choice.of(Method.TUCKER2, 3, cin),
            Choice.of(Method.TUCKER2, cout, 2),
            Choice.of(Method.TT, 3, 2),
            Choice.of(Method.CP, 3))) {
      for (LayerFactorizer f : List.of(FACTORIZER, SEPARABLE)) {
        FactorizedLayer spec = f.factorize(model.graph(), "deconv", c);
        Model rewritten = LayerRewriter.rewrite(model, "deconv", spec);
        RewriteOrtTest.assertMatches(
            LayerRewriter.withWeight(model, "deconv", spec.reconstruct()), rewritten);
      }
    }
  }

  /**
   * The cost model counts what the rewrite emits: the profile of the rewritten model has the
   * factorized weights and MACs of {@link CostModel#factorized} in place of the layer's.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void costModelMatchesTheProfileOfTheRewrittenModel(Spec s) {
    Model model = model(s, 7L);
    ProfileOptions all = new ProfileOptions(0, false);
    ModelProfile before = ModelProfile.of(model, Map.of(), all);
    LayerProfile layer = before.layer("deconv").orElseThrow();
    assertEquals("ConvTranspose", layer.opType());
    assertEquals(layer.macs(), before.totalMacs());
    assertEquals(CostModel.original(layer.geometry()).macs(), layer.macs());
    for (Choice c :
        List.of(
            Choice.of(Method.TUCKER2, 3, 2),
            Choice.of(Method.TUCKER2, 3, (int) s.cin()),
            Choice.of(Method.TUCKER2, (int) s.cout(), 2),
            Choice.of(Method.CP, 3))) {
      FactorizedLayer spec = FACTORIZER.factorize(model.graph(), "deconv", c);
      ModelProfile after =
          ModelProfile.of(LayerRewriter.rewrite(model, "deconv", spec), Map.of(), all);
      var cost = CostModel.factorized(layer.geometry(), c);
      assertEquals(cost.macs(), after.totalMacs(), c.toString());
      assertEquals(cost.params(), after.totalParams(), c.toString());
    }
  }

  /**
   * The conv layout is what a Conv computes: a stride-1 ConvTranspose with pads p equals a Conv
   * with the conv-layout weight flipped in space and pads (k - 1) dil - p, per group.
   */
  @Test
  void convLayoutIsTheWeightOfTheEquivalentConvIncludingGroups() {
    for (long groups : new long[] {1, 2}) {
      Spec s =
          new Spec(
              "g" + groups,
              4,
              6,
              new long[] {3, 2},
              new long[] {5, 6},
              new long[] {1, 1},
              new long[] {1, 0, 0, 1},
              new long[] {0, 0},
              new long[] {2, 1},
              null,
              null,
              groups);
      Model model = model(s, 9L);
      TensorValue w = convLayout(model);
      assertEquals(List.of(6L, 4 / groups, 3L, 2L), Arrays.stream(w.dims()).boxed().toList());
      float[] src = w.toFloatArray();
      float[] flipped = new float[src.length];
      int block = 3 * 2;
      for (int oc = 0; oc < src.length / block; oc++) {
        for (int a = 0; a < 3; a++) {
          for (int b = 0; b < 2; b++) {
            flipped[oc * block + (2 - a) * 2 + (1 - b)] = src[oc * block + a * 2 + b];
          }
        }
      }
      // pads (k - 1) dil - p: axis 0: 2*2 - 1 = 3 and 4 - 0 = 4; axis 1: 1 - 0 = 1 and 1 - 1 = 0
      Graph g =
          Graph.builder()
              .name("conv_equivalent")
              .addInput(SyntheticModels.batched("x", 4, 5, 6))
              .putInitializer("w", TensorValue.ofFloats(w.dims(), flipped))
              .putInitializer("b", model.graph().initializer("deconv.bias").orElseThrow())
              .addNode(
                  Node.builder("Conv")
                      .name("conv")
                      .inputs("x", "w", "b")
                      .outputs("y")
                      .attrInts("kernel_shape", 3, 2)
                      .attrInts("dilations", 2, 1)
                      .attrInts("pads", 3, 1, 4, 0)
                      .attr("group", groups)
                      .build())
              .addOutput(SyntheticModels.symbolicShape("y", 4))
              .build();
      RewriteOrtTest.assertMatches(model, Model.of(g, SyntheticModels.OPSET));
      RewriteOrtTest.assertMatches(
          model, LayerRewriter.withWeight(model, "deconv", w)); // layout round trip
    }
  }

  @Test
  void groupedConvTransposeIsListedAsSkippedAndRefused() {
    Spec s =
        new Spec(
            "grouped",
            4,
            6,
            new long[] {3, 3},
            new long[] {5, 5},
            new long[] {2, 2},
            new long[] {1, 1, 1, 1},
            new long[] {1, 1},
            new long[] {1, 1},
            null,
            null,
            2);
    Model model = model(s, 11L);
    LayerProfile l =
        ModelProfile.of(model, Map.of(), new ProfileOptions(0, false))
            .layer("deconv")
            .orElseThrow();
    assertEquals("conv2d-transpose-grouped", l.kind());
    assertFalse(l.isFactorizable());
    assertTrue(
        l.skipReason().contains("ConvTranspose") && l.skipReason().contains("groups=2"),
        l.skipReason());
    UnsupportedModelException e =
        assertThrows(
            UnsupportedModelException.class,
            () -> FACTORIZER.factorize(model.graph(), "deconv", Choice.of(Method.TUCKER2, 2, 2)));
    assertTrue(
        e.getMessage().contains("deconv") && e.getMessage().contains("group=2"), e.getMessage());
  }
}
