package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.SyntheticModels.ConvSpec;

/** Factors from the real decompositions, rewritten and run in ONNX Runtime. */
class LayerFactorizerOrtTest {
  private static final RuntimeOptions ONE_THREAD = RuntimeOptions.singleThreaded();
  private static final LayerFactorizer FACTORIZER = LayerFactorizer.builder().optSeed(5).build();
  private static final LayerFactorizer SEPARABLE =
      LayerFactorizer.builder().optSeed(5).optSeparableCp(true).build();

  static List<ConvSpec> convSpecs() {
    return RewriteOrtTest.convSpecs();
  }

  private static ExportCheckResult check(Model reference, Model candidate) {
    try (OrtRunner a = OrtRunner.open(reference, "reference", ONE_THREAD);
        OrtRunner b = OrtRunner.open(candidate, "rewritten", ONE_THREAD)) {
      return ExportCheck.compare(a, b, a.randomInputs(2, 13L));
    }
  }

  private static void assertExact(Model reference, Model candidate) {
    ExportCheckResult r = check(reference, candidate);
    assertTrue(r.passes(1e-4), r.toString());
  }

  /** Rewritten at reduced rank = the model holding the dense reconstruction. */
  private static FactorizedLayer assertReduced(
      Model model, String layer, LayerFactorizer f, Choice c) {
    FactorizedLayer spec = f.factorize(model.graph(), layer, c);
    Model rewritten = LayerRewriter.rewrite(model, layer, spec);
    assertExact(LayerRewriter.withWeight(model, layer, spec.reconstruct()), rewritten);
    assertTrue(check(model, rewritten).maxRelativeDifference() > 1e-3, "reduced rank is not exact");
    return spec;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("convSpecs")
  void convMethodsFullRankExactAndReducedRankMatchReconstruction(ConvSpec s) {
    Model model = SyntheticModels.conv(s, 17L, false);
    int cout = (int) s.cout();
    int cin = (int) s.cin();
    int kk = (int) java.util.Arrays.stream(s.kernel()).reduce(1, (a, b) -> a * b);
    assertExact(
        model,
        LayerRewriter.rewrite(
            model,
            "conv",
            FACTORIZER.factorize(model.graph(), "conv", Choice.of(Method.TUCKER2, cout, cin))));
    int[] ttFull = org.lowrank.decomp.ConvTensorTrainSvd.fullRanks(cout, cin, kk);
    assertExact(
        model,
        LayerRewriter.rewrite(
            model,
            "conv",
            FACTORIZER.factorize(model.graph(), "conv", Choice.of(Method.TT, ttFull))));

    assertReduced(model, "conv", FACTORIZER, Choice.of(Method.TUCKER2, 2, 2));
    assertReduced(model, "conv", FACTORIZER, Choice.of(Method.TT, 3, 2));
    assertReduced(model, "conv", FACTORIZER, Choice.of(Method.CP, 3));
    assertReduced(model, "conv", SEPARABLE, Choice.of(Method.CP, 3));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("org.lowrank.runtime.RewriteOrtTest#denseModels")
  void denseMethodsFullRankExactAndReducedRankMatchReconstruction(String label, Model model) {
    // W [6, 12]
    assertExact(
        model,
        LayerRewriter.rewrite(
            model, "fc", FACTORIZER.factorize(model.graph(), "fc", Choice.of(Method.SVD, 6))));
    assertExact(
        model,
        LayerRewriter.rewrite(
            model, "fc", FACTORIZER.factorize(model.graph(), "fc", Choice.of(Method.QR, 6))));
    assertReduced(model, "fc", FACTORIZER, Choice.of(Method.SVD, 2));
    assertReduced(model, "fc", FACTORIZER, Choice.of(Method.QR, 3));
    if (!label.contains("left")) {
      Choice full = Choice.ttm(new int[] {2, 3}, new int[] {3, 4}, new int[] {6});
      assertExact(
          model,
          LayerRewriter.rewrite(model, "fc", FACTORIZER.factorize(model.graph(), "fc", full)));
      FactorizedLayer ttm =
          assertReduced(
              model,
              "fc",
              FACTORIZER,
              Choice.ttm(new int[] {2, 3}, new int[] {3, 4}, new int[] {2}));
      assertEquals(2, ttm.ranks()[0]);
    }
  }

  @Test
  void wrongMethodAndInfeasibleRankNameTheLayer() {
    Model model = SyntheticModels.conv(convSpecs().get(1), 3L, false);
    ModelException e =
        assertThrows(
            ModelException.class,
            () -> FACTORIZER.factorize(model.graph(), "conv", Choice.of(Method.SVD, 2)));
    assertTrue(e.getMessage().contains("conv"), e.getMessage());
    ModelException r =
        assertThrows(
            ModelException.class,
            () -> FACTORIZER.factorize(model.graph(), "conv", Choice.of(Method.TUCKER2, 99, 2)));
    assertTrue(r.getMessage().contains("conv") && r.getMessage().contains("99"), r.getMessage());
    Model grouped = SyntheticModels.groupedThenPlain(1L);
    assertThrows(
        UnsupportedModelException.class,
        () -> FACTORIZER.factorize(grouped.graph(), "gconv", Choice.of(Method.TUCKER2, 2, 2)));
  }
}
