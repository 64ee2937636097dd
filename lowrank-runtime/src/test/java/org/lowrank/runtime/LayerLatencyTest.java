package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.rewrite.DenseLayer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;

class LayerLatencyTest {
  private static final LatencyBenchmark.Settings QUICK = new LatencyBenchmark.Settings(1, 3, 1, 3L);

  @Test
  void isolatedResNetLayerComputesWhatItComputesInTheModel() throws Exception {
    Path file = TestData.modelDir("resnet20_cifar10").resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(file), "shared model absent: " + file);
    Model model = OnnxReader.read(file);
    String layer =
        model.graph().nodes().stream()
            .filter(n -> n.opType().equals("Conv"))
            .skip(8)
            .findFirst()
            .orElseThrow()
            .name();
    Model alone = LayerLatency.isolate(model, layer);
    assertEquals(1, alone.graph().nodes().size());
    assertEquals(1, alone.graph().runtimeInputs().size());
    assertEquals(-1, alone.graph().runtimeInputs().get(0).dims()[0], "batch is symbolic");
    FactorizedLayer spec =
        LayerFactorizer.create().factorize(alone.graph(), layer, Choice.of(Method.TUCKER2, 8, 8));
    LatencyComparison c = LayerLatency.compare(model, layer, spec, new int[] {1, 2}, QUICK);
    assertEquals(2, c.rows().size());
    assertTrue(c.flopsRatio() > 0 && c.flopsRatio() < 1, "ratio " + c.flopsRatio());
    // the isolated original runs in ORT and the factorized layer matches its dense reconstruction
    ExportCheckResult r =
        ExportCheck.compare(
            OnnxWriterBytes.of(LayerRewriter.withWeight(alone, layer, spec.reconstruct())),
            OnnxWriterBytes.of(LayerRewriter.rewrite(alone, layer, spec)),
            2,
            1L,
            RuntimeOptions.singleThreaded());
    assertTrue(r.passes(1e-4), r.toString());
  }

  @Test
  void denseLayerWithWeightOnTheLeftIsTimedOnItsBatchAxis() {
    Model model = SyntheticModels.matmul(12, 6, true, false, 3L);
    Model alone = LayerLatency.isolate(model, "fc", java.util.Map.of("x", new long[] {12, 1}));
    assertEquals(-1, alone.graph().runtimeInputs().get(0).dims()[1]);
    var w = DenseLayer.of(model.graph(), model.graph().node("fc").orElseThrow()).weight();
    LatencyComparison c =
        LayerLatency.compareIsolated(
            alone, "fc", TestFactors.lowRankExact(w, new Random(1)), new int[] {3}, QUICK);
    assertEquals(3, c.rows().get(0).batchSize());
  }

  /** Serialization shortcut for tests. */
  static final class OnnxWriterBytes {
    static byte[] of(Model m) {
      return org.lowrank.onnx.OnnxWriter.toBytes(m);
    }
  }
}
