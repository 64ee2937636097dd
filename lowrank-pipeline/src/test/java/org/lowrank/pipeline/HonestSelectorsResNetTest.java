package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxTensors;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.select.KeptEnergy;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.ExportCheck;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.tensor.DenseTensor;

/**
 * The weight-only selectors on the shared ResNet-20 (seed 42, as the CLI), compared with the
 * original in ONNX Runtime on the 16 inputs of its test_data_set_0.
 */
class HonestSelectorsResNetTest {
  private static final String R20 = "models/resnet20_cifar10/model.onnx";
  private static final List<Method> HYBRID = List.of(Method.values());

  private static CompressionPipeline pipeline(
      Path model, List<Method> methods, Budget budget, org.lowrank.plan.select.SelectorChoice s) {
    return CompressionPipeline.builder()
        .setModel(model)
        .optMethods(methods)
        .optBudget(budget)
        .optSelector(s)
        .optSeed(42)
        .optThreads(1)
        .build();
  }

  private static TensorValue logits(Model m, TensorValue x) {
    try (OrtRunner r = OrtRunner.open(m, "model", RuntimeOptions.withThreads(1))) {
      return r.run(x);
    }
  }

  private static TensorValue inputs(Path model) throws Exception {
    return OnnxTensors.read(model.getParent().resolve("test_data_set_0").resolve("input_0.pb"));
  }

  /** ||a - b||_F / ||a||_F of two logit tensors. */
  private static double relativeError(TensorValue a, TensorValue b) {
    return DenseTensor.relativeError(
        DenseTensor.fromFloats(a.toFloatArray(), a.toFloatArray().length),
        DenseTensor.fromFloats(b.toFloatArray(), b.toFloatArray().length));
  }

  @Test
  void ratioOneLeavesEveryLayerUntouched() throws Exception {
    Path model = SharedData.require(R20);
    CompressionResult r = pipeline(model, HYBRID, Budget.none(), Selectors.ratio(1.0, 1)).run();
    for (LayerDecision d : r.plan().layers()) {
      assertFalse(d.isFactorized(), d.toString());
    }
    assertEquals(r.before().totalParams(), r.after().totalParams());
    TensorValue x = inputs(model);
    assertEquals(0.0, relativeError(logits(r.original(), x), logits(r.compressed(), x)));
  }

  @Test
  void energy09999KeepsThatMuchOfEveryFactorizedLayerAndThePredictions() throws Exception {
    Path model = SharedData.require(R20);
    CompressionResult r = pipeline(model, HYBRID, Budget.none(), Selectors.energy(0.9999, 1)).run();
    LayerFactorizer deployed = LayerFactorizer.builder().optSeed(42).build();
    Model m = r.original();
    for (LayerDecision d : r.plan().layers()) {
      if (d.isFactorized()) {
        TensorValue w =
            ConvLayer.of(m.graph(), LayerRewriter.findLayer(m.graph(), d.layer())).weight();
        int[] shape = java.util.Arrays.stream(w.dims()).mapToInt(Math::toIntExact).toArray();
        double kept =
            KeptEnergy.of(
                DenseTensor.fromFloats(w.toFloatArray(), shape),
                DenseTensor.fromFloats(
                    deployed
                        .factorize(m.graph(), d.layer(), d.choice())
                        .reconstruct()
                        .toFloatArray(),
                    shape));
        assertTrue(kept >= 0.9999 - 1e-6, d + " keeps " + kept);
      }
    }
    TensorValue x = inputs(model);
    TensorValue before = logits(r.original(), x);
    TensorValue after = logits(r.compressed(), x);
    assertEquals(1.0, ExportCheck.top1Agreement(before, after));
    assertTrue(relativeError(before, after) < 0.01, "output error " + relativeError(before, after));
  }

  /**
   * Without data at half the parameters, the hybrid (each layer's method picked on its own
   * reconstruction) agrees with the original at least as well as Tucker-2, CP or TT alone.
   */
  @Test
  void noDataHybridAtHalfTheParametersIsAtLeastAsGoodAsTheBestSingleMethod() throws Exception {
    Path model = SharedData.require(R20);
    TensorValue x = inputs(model);
    TensorValue reference = null;
    Map<String, double[]> got = new LinkedHashMap<>();
    for (List<Method> methods :
        List.of(HYBRID, List.of(Method.TUCKER2), List.of(Method.CP), List.of(Method.TT))) {
      CompressionResult r =
          pipeline(model, methods, Budget.keepParams(0.5), Selectors.energy(0.9, 1)).run();
      assertTrue(r.after().totalParams() <= 0.5 * r.before().totalParams() + 1, methods.toString());
      reference = reference == null ? logits(r.original(), x) : reference;
      TensorValue y = logits(r.compressed(), x);
      got.put(
          methods.size() > 1 ? "hybrid" : methods.get(0).cliName(),
          new double[] {ExportCheck.top1Agreement(reference, y), relativeError(reference, y)});
    }
    String all =
        got.entrySet().stream()
            .map(e -> e.getKey() + " agreement " + e.getValue()[0] + " error " + e.getValue()[1])
            .toList()
            .toString();
    double[] hybrid = got.get("hybrid");
    for (String single : List.of("tucker", "cp", "tt")) {
      assertTrue(hybrid[0] >= got.get(single)[0], "top-1 agreement: " + all);
      assertTrue(hybrid[1] <= got.get(single)[1] * 1.05, "output error: " + all);
    }
  }
}
