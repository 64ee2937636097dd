package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.demo.DemoModels;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.LayerDecision;
import org.lowrank.report.CompressionReport;

class PipelineWarningTest {
  @TempDir Path tmp;

  @Test
  void planFileRanksThatDoNotLowerTheCostAreATypedWarningWithTheReportLineAsBefore()
      throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    CompressionResult first =
        CompressionPipeline.builder()
            .setModel(model)
            .optMethods(List.of(Method.TUCKER2))
            .optSelector(Selectors.ratio(0.5, 1))
            .build()
            .run();
    assertTrue(first.warnings().isEmpty(), first.warnings().toString());
    // conv2 is 3x3 32->64: Tucker-2 at full ranks [64, 32] costs more than the dense layer
    Path plan = tmp.resolve("plan.json");
    PlanFiles.write(first.plan(), plan);
    String json = Files.readString(plan);
    String full =
        json.replaceFirst("(\"layer\": \"conv2\"[^}]*?\"ranks\": )\\[\\d+, \\d+\\]", "$1[64, 32]");
    assertTrue(!full.equals(json), "conv2 was factorized with ranks: " + json);
    Files.writeString(plan, full);
    CompressionResult r = CompressionPipeline.builder().setModel(model).optPlan(plan).build().run();
    LayerDecision conv2 = r.plan().layer("conv2");
    assertEquals(
        List.of(new PipelineWarning(PipelineWarning.Kind.COST_NOT_LOWERED, "conv2", conv2.note())),
        r.warnings());
    CompressionReport report = Reports.of(r, model.toString(), "");
    assertEquals(List.of("conv2: " + conv2.note()), report.warnings());
    assertTrue(conv2.note().contains("do not lower the cost"), conv2.note());
  }

  /**
   * The same result with a latency comparison whose rewritten median is {@code ms} (original 10
   * ms).
   */
  private static CompressionResult timed(CompressionResult r, double ms) {
    long[] original = {10_000_000L, 10_000_000L, 10_000_000L};
    long[] rewritten = {(long) (ms * 1e6), (long) (ms * 1e6), (long) (ms * 1e6)};
    org.lowrank.runtime.LatencyComparison latency =
        new org.lowrank.runtime.LatencyComparison(
            "cnn",
            1.0,
            List.of(
                new org.lowrank.runtime.LatencyComparison.Row(
                    org.lowrank.runtime.LatencyResult.of(1, 1, original),
                    org.lowrank.runtime.LatencyResult.of(1, 1, rewritten))),
            "");
    return new CompressionResult(
        r.original(),
        r.compressed(),
        r.plan(),
        r.before(),
        r.after(),
        r.rewriteCheck(),
        r.fidelity(),
        latency,
        r.output(),
        r.accuracy(),
        r.fineTune(),
        r.refit(),
        r.stageSeconds(),
        r.seed(),
        r.pruning());
  }

  @Test
  void aCompressedModelMeasuredSlowerIsALoudWarning() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optMethods(List.of(Method.TUCKER2))
            .optSelector(Selectors.ratio(0.5, 1))
            .build()
            .run();
    List<PipelineWarning> slow = timed(r, 20).warnings(); // 0.50x
    assertEquals(1, slow.size(), slow.toString());
    assertEquals(PipelineWarning.Kind.SLOWER, slow.get(0).kind());
    assertTrue(
        slow.get(0).text().startsWith("SLOWER: the compressed model runs 0.50x"), slow.toString());
    assertTrue(slow.get(0).text().contains("--keep-latency"), slow.toString());
    assertTrue(
        Reports.of(timed(r, 20), model.toString(), "").warnings().get(0).startsWith("SLOWER"));
    assertTrue(timed(r, 10.2).warnings().isEmpty(), "0.98x is within the noise margin");
    assertTrue(timed(r, 5).warnings().isEmpty(), "faster");
  }

  @Test
  void textIsTheReportLine() {
    assertEquals(
        "fine-tuning: diverged",
        PipelineWarning.of(PipelineWarning.Kind.FINE_TUNING, "diverged").text());
    assertEquals(
        "rewrite check: max abs diff 1",
        PipelineWarning.of(PipelineWarning.Kind.REWRITE_CHECK, "max abs diff 1").text());
    assertEquals(
        "latency timed at batch 1 only",
        PipelineWarning.of(PipelineWarning.Kind.LATENCY_BATCH, "latency timed at batch 1 only")
            .text());
  }
}
