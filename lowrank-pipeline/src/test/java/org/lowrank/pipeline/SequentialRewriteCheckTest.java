package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;

/**
 * The rewrite check of the sequential data-aware fit compares the written model with a dense
 * reference that carries the same refitted biases (b̂ = b + W mu - Ŵ mû), so an exact rewrite
 * passes it and raises no warning.
 */
class SequentialRewriteCheckTest {
  @TempDir Path tmp;

  @Test
  void theDenseReferenceCarriesTheRefittedBiases() throws Exception {
    Path model = tmp.resolve("encdec.onnx");
    OnnxWriter.write(ConvTransposePipelineTest.encoderDecoder(5L), model);
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optMethods(List.of(Method.TUCKER2))
            .optBudget(Budget.keepParams(0.5))
            .optSelector(Selectors.energy(0.6, 1))
            .optGuard(FidelityGuard.defaults().withForce(true))
            .optData(PipelineWithDataTest.cifar())
            .optCalibrationSize(8)
            .optDataAwareFactorization(64)
            .optSeed(42)
            .build()
            .run();
    assertTrue(r.plan().layers().stream().anyMatch(d -> d.isFactorized()), r.plan().toJson());
    assertTrue(
        r.rewriteCheck().passes(CompressionResult.REWRITE_TOLERANCE), r.rewriteCheck().toString());
    assertTrue(
        r.warnings().stream().noneMatch(w -> w.kind() == PipelineWarning.Kind.REWRITE_CHECK),
        r.warnings().toString());
  }
}
