package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.runtime.FidelityCheck;
import org.lowrank.train.eval.EvaluationResult;

/** The guard's verdicts: accuracy drop with labels, agreement without, non-finite never passes. */
class FidelityTest {
  static final Fidelity.Inputs TEST = new Fidelity.Inputs(Fidelity.Source.TEST_IMAGES, "t");
  static final Fidelity.Inputs RANDOM = new Fidelity.Inputs(Fidelity.Source.RANDOM, "seed 42");

  static FidelityCheck.Measurement measured(double agreement, double error) {
    return measured(agreement, error, 1.0);
  }

  static FidelityCheck.Measurement measured(double agreement, double error, double outputRms) {
    return new FidelityCheck.Measurement(
        256,
        "y",
        agreement,
        error,
        outputRms,
        List.of(
            new FidelityCheck.LayerError("a", 0, 0.01),
            new FidelityCheck.LayerError("b", 0.01, 0.4),
            new FidelityCheck.LayerError("c", 0.4, 0.45)));
  }

  static EvaluationResult top1(double v) {
    return new EvaluationResult(10_000, v, Double.NaN, 0);
  }

  @Test
  void aNearZeroReferenceIsCalledOutAndRealInputsAdvised() {
    Fidelity.Inputs noise = new Fidelity.Inputs(Fidelity.Source.RANDOM, "seed 42");
    Fidelity f =
        Fidelity.judge(
            noise,
            measured(Double.NaN, 1.0, 2e-7),
            null,
            null,
            FidelityGuard.defaults(),
            false,
            false);
    assertFalse(f.passed());
    assertTrue(f.verdict().contains("nearly zero on these inputs (RMS 2.0e-07)"), f.verdict());
    assertTrue(f.advice().get(0).startsWith("compare on real inputs"), f.advice().toString());
    Fidelity normal =
        Fidelity.judge(
            noise,
            measured(Double.NaN, 1.0, 0.3),
            null,
            null,
            FidelityGuard.defaults(),
            false,
            false);
    assertFalse(normal.verdict().contains("nearly zero"), normal.verdict());
    assertFalse(
        normal.advice().get(0).startsWith("compare on real inputs"), normal.advice().toString());
  }

  @Test
  void withLabelsTheDropDecides() {
    FidelityGuard g = FidelityGuard.defaults();
    Fidelity ok = Fidelity.judge(TEST, measured(0.5, 0.3), top1(0.81), top1(0.803), g, true, true);
    assertTrue(ok.passed(), ok.verdict());
    assertEquals(0.7, ok.drop(), 1e-9);
    Fidelity bad =
        Fidelity.judge(TEST, measured(0.99, 0.01), top1(0.81), top1(0.795), g, true, true);
    assertFalse(bad.passed(), "1.5 points > 1: " + bad.verdict());
    assertTrue(bad.verdict().contains("--max-drop"), bad.verdict());
  }

  @Test
  void withoutLabelsAgreementDecidesAndTheWorstLayerIsNamed() {
    FidelityGuard g = FidelityGuard.defaults();
    assertTrue(Fidelity.judge(RANDOM, measured(0.96, 0.1), null, null, g, false, false).passed());
    Fidelity bad = Fidelity.judge(RANDOM, measured(0.90, 0.1), null, null, g, false, false);
    assertFalse(bad.passed());
    assertTrue(bad.verdict().contains("random inputs"), "random inputs say so: " + bad.verdict());
    assertEquals("b", bad.worstLayers(1).get(0).layer(), "b adds 0.39, c only 0.05");
    assertTrue(bad.advice().get(0).contains("--exclude b,c,a"), bad.advice().toString());
    assertTrue(bad.advice().stream().anyMatch(a -> a.contains("--data")), bad.advice().toString());
  }

  @Test
  void nonFiniteOutputNeverPasses() {
    FidelityGuard lax = new FidelityGuard(100, 0, 1e9, false);
    Fidelity f =
        Fidelity.judge(
            RANDOM, measured(1.0, Double.POSITIVE_INFINITY), null, null, lax, false, false);
    assertFalse(f.passed(), f.verdict());
    assertTrue(f.verdict().contains("not finite"), f.verdict());
  }

  @Test
  void nonClassifiersUseTheOutputError() {
    FidelityGuard g = FidelityGuard.defaults();
    assertTrue(
        Fidelity.judge(RANDOM, measured(Double.NaN, 0.05), null, null, g, false, false).passed());
    assertFalse(
        Fidelity.judge(RANDOM, measured(Double.NaN, 0.2), null, null, g, false, false).passed());
  }

  @Test
  void guardRejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new FidelityGuard(-1, 0.9, 0.1, false));
    assertThrows(IllegalArgumentException.class, () -> new FidelityGuard(1, 95, 0.1, false));
  }

  @Test
  void rejectedModelsGoBesideTheOutput() {
    assertEquals(
        Path.of("d/out.rejected.onnx"), CompressionPipeline.rejectedPath(Path.of("d/out.onnx")));
    assertEquals(
        Path.of("out.bin.rejected.onnx"), CompressionPipeline.rejectedPath(Path.of("out.bin")));
  }
}
