package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.LayerSelection;

class CompressionPipelineTest {
  @TempDir Path tmp;

  @Test
  void resnet20EnergyHybridMeetsBudgetAndCostModelMatchesRewrittenGraph() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    Path out = tmp.resolve("r20.onnx");
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(out)
            .optMethods(List.of(Method.TUCKER2, Method.CP, Method.TT))
            .optBudget(Budget.keepParams(0.3))
            .optSelector(Selectors.energy(0.9, 1))
            .optGuard(FidelityGuard.defaults().withForce(true))
            .build()
            .run();
    assertTrue(Files.isRegularFile(out), "forced: written where asked");
    assertFalse(
        r.fidelity().passed(),
        "energy 0.9 at 30% of the parameters, no data: " + r.fidelity().verdict());
    assertEquals(
        r.compressed().graph().nodes().size(), OnnxReader.read(out).graph().nodes().size());
    // the plan's closed-form costs equal the profile of the rewritten graph
    assertEquals(r.plan().modelAfter().params(), r.after().totalParams());
    assertEquals(r.plan().modelAfter().macs(), r.after().totalMacs());
    assertTrue(r.after().totalParams() <= 0.3 * r.before().totalParams() + 1, "params kept");
    assertTrue(r.rewriteCheck().passes(1e-3), r.rewriteCheck().toString());
    long factorized = r.plan().layers().stream().filter(LayerDecision::isFactorized).count();
    assertEquals(18, factorized, "ResNet-20 has 19 3x3 convs; the first is kept by default");
    String first = r.before().layers().get(0).name();
    assertFalse(r.plan().layer(first).isFactorized());
    assertFalse(r.plan().layer(first).note().isBlank(), "a skipped layer says why");
  }

  @Test
  void denseMethodsOnACnnMatchTheCostModelToo() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    org.lowrank.onnx.OnnxWriter.write(org.lowrank.demo.DemoModels.fashionCnn(3), model);
    for (Method m : List.of(Method.TTM, Method.SVD, Method.QR)) {
      CompressionResult r =
          CompressionPipeline.builder()
              .setModel(model)
              .optMethods(List.of(m))
              .optBudget(Budget.keepParams(0.5))
              .optSelector(Selectors.energy(0.5, 1))
              .optSelection(
                  new LayerSelection(
                      java.util.Set.of(), java.util.Set.of(), true, false, List.of(m)))
              .build()
              .run();
      long factorized = r.plan().layers().stream().filter(LayerDecision::isFactorized).count();
      assertTrue(factorized >= 1, m + ": " + r.plan().layers());
      assertEquals(r.plan().modelAfter().params(), r.after().totalParams(), m.cliName());
      assertEquals(r.plan().modelAfter().macs(), r.after().totalMacs(), m.cliName());
      assertTrue(r.rewriteCheck().passes(1e-3), m + ": " + r.rewriteCheck());
    }
  }

  @Test
  void planFileRoundTripAppliesTheSameRanks() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    CompressionResult first =
        CompressionPipeline.builder()
            .setModel(model)
            .optMethods(List.of(Method.TUCKER2))
            .optBudget(Budget.keepParams(0.4))
            .optSelector(Selectors.ratio(0.5, 1))
            .build()
            .run();
    Path planFile = tmp.resolve("plan.json");
    PlanFiles.write(first.plan(), planFile);
    CompressionResult second =
        CompressionPipeline.builder().setModel(model).optPlan(planFile).build().run();
    assertEquals(first.after().totalParams(), second.after().totalParams());
    Plan p = second.plan();
    for (LayerDecision d : first.plan().layers()) {
      assertEquals(d.choice(), p.layer(d.layer()).choice(), d.layer());
    }
  }

  @Test
  void badPlansAndPathsAreClearErrors() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    assertThrows(
        IllegalArgumentException.class,
        () -> CompressionPipeline.builder().setModel(model).optOutput(model).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> CompressionPipeline.builder().setModel(tmp.resolve("missing.onnx")).build());
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optMethods(List.of(Method.TUCKER2))
            .optSelector(Selectors.ratio(0.5, 1))
            .build()
            .run();
    LayerDecision d =
        r.plan().layers().stream().filter(LayerDecision::isFactorized).findFirst().orElseThrow();
    String json = r.plan().toJson();
    Path tooBig = tmp.resolve("big.json");
    Files.writeString(
        tooBig, json.replaceFirst("\"ranks\": \\[\\d+, \\d+\\]", "\"ranks\": [999, 8]"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> CompressionPipeline.builder().setModel(model).optPlan(tooBig).build().run());
    assertTrue(
        e.getMessage().contains(d.layer()) && e.getMessage().contains("999"), e.getMessage());
    Path unknown = tmp.resolve("unknown.json");
    Files.writeString(unknown, json.replace("\"" + d.layer() + "\"", "\"no_such_layer\""));
    IllegalArgumentException e2 =
        assertThrows(
            IllegalArgumentException.class,
            () -> CompressionPipeline.builder().setModel(model).optPlan(unknown).build().run());
    assertTrue(e2.getMessage().contains("no_such_layer"), e2.getMessage());
    assertFalse(e2.getMessage().isBlank());
    assertNotNull(r.rewriteCheck());
  }
}
