package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.demo.DemoModel;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;

/** The demo models go through the compression pipeline: conv and dense layers are factorized. */
class DemoCompressionTest {

  @Test
  void hybridCompressionFactorizesConvAndDenseLayers(@TempDir Path tmp) throws Exception {
    for (DemoModel which : DemoModel.values()) {
      Path in = tmp.resolve(which.fileName());
      OnnxWriter.write(which.build(3), in);
      Path out = tmp.resolve("small-" + which.fileName());
      CompressionResult r =
          CompressionPipeline.builder()
              .setModel(in)
              .optOutput(out)
              .optMethods(List.of(Method.values()))
              .optBudget(Budget.keepParams(0.3))
              .optSelector(Selectors.ratio(0.25, 1))
              .optGuard(
                  FidelityGuard.defaults()
                      .withForce(true)) // untrained weights: no fidelity to keep
              .build()
              .run();
      assertTrue(Files.isRegularFile(out));
      Set<String> factorized =
          r.plan().layers().stream()
              .filter(LayerDecision::isFactorized)
              .map(LayerDecision::layer)
              .collect(Collectors.toSet());
      assertTrue(factorized.contains("fc1"), which + ": " + factorized);
      assertTrue(
          factorized.stream().anyMatch(l -> l.startsWith("conv")), which + ": " + factorized);
      assertTrue(
          r.after().totalParams() <= 0.3 * r.before().totalParams() + 1,
          which + ": " + r.after().totalParams() + " of " + r.before().totalParams());
      assertTrue(r.rewriteCheck().passes(1e-3), which + ": " + r.rewriteCheck());
    }
  }
}
