package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.select.SelectorRegistry;
import org.lowrank.train.data.Normalization;

/**
 * The spec records a pipeline takes: each checks its values when made, with a message naming the
 * setting; "auto" resolves in one place; the result a run returns is the one its reports render.
 */
class PipelineSpecsTest {
  @TempDir Path tmp;

  private Path cnn() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(org.lowrank.demo.DemoModels.fashionCnn(3), model);
    return model;
  }

  private static String message(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void specsRejectBadValuesNamingTheSetting() {
    PlanSpec plan = PlanSpec.defaults();
    assertTrue(message(() -> plan.withMethods(List.of())).contains("method"));
    String both =
        message(
            () ->
                plan.withPlanFile(Path.of("p.json"))
                    .withLatencyPruning(new PlanSpec.LatencyPruning(1.0, 1)));
    assertTrue(both.contains("--prune-latency") && both.contains("p.json"), both);
    assertTrue(message(() -> new PlanSpec.LatencyPruning(0, 1)).contains("ratio"));
    // pruning alone plans its channels under one budget
    PlanSpec alone =
        plan.withPrune(
            new PruneStep(Double.NaN, "l1", org.lowrank.cost.RankMultiple.given(8), true));
    String two = message(() -> alone.withBudget(Budget.keepParams(0.5)).withKeepLatency(0.7));
    assertTrue(two.contains("--keep-latency 0.7") && two.contains("keep params 0.5"), two);
    String none = message(() -> alone.requireBudgetForPlannedPruning());
    assertTrue(none.contains("--keep-params, --keep-flops or --keep-latency"), none);

    DataSpec data = DataSpec.none();
    assertTrue(message(() -> data.withRefitImages(-1)).contains("refit images must be >= 0"));
    assertTrue(message(() -> data.withCalibrationImages(-2)).contains("calibration images"));
    assertTrue(message(() -> data.withDataAware(-1, true)).contains("data-aware images"));
    assertTrue(message(() -> data.withEvalLimit(-2)).contains("evaluation limit"));

    MeasurementSpec m = MeasurementSpec.defaults();
    assertTrue(message(() -> m.withThreads(0)).contains("threads must be >= 1"));
    assertTrue(message(() -> m.withLatency(5, 30, 1, 0)).contains("latency batch sizes"));
    assertTrue(message(() -> m.withLatency(5, 0, 1)).contains("timed runs"));
  }

  @Test
  void specsCannotBeChangedThroughWhatTheyWereMadeFrom() {
    int[] batches = {1, 32};
    List<String> shapes = new java.util.ArrayList<>(List.of("1,1,28,28"));
    MeasurementSpec m = MeasurementSpec.defaults().withLatency(1, 2, batches);
    DataSpec d = DataSpec.none().withInputShapeSpecs(shapes);
    batches[0] = 7;
    shapes.set(0, "7,1,28,28");
    m.latencyBatchSizes()[1] = 7;
    assertEquals(List.of(1, 32), m.latencyBatches());
    assertEquals(List.of("1,1,28,28"), d.inputShapeSpecs());
  }

  @Test
  void autoSelectorIsResolvedByTheRegistryFromWhetherThereIsData() throws Exception {
    Path model = cnn();
    assertEquals(
        SelectorRegistry.AUTO_WITHOUT_DATA,
        CompressionPipeline.builder().setModel(model).build().selector().name());
    DataSource data = new DataSource(tmp, Normalization.unit());
    assertEquals(
        SelectorRegistry.AUTO_WITH_DATA,
        CompressionPipeline.builder().setModel(model).optData(data).build().selector().name());
    assertEquals("energy", SelectorRegistry.resolve("auto", false).name());
    assertEquals("similarity", SelectorRegistry.resolve("AUTO", true).name());
    assertEquals("ratio", SelectorRegistry.resolve("ratio", true).name());
    assertEquals(
        "ratio",
        CompressionPipeline.builder()
            .setModel(model)
            .optData(data)
            .optSelector(Selectors.ratio(0.5, 1))
            .build()
            .selector()
            .name());
  }

  @Test
  void crossSpecRulesAreCheckedWhenThePipelineIsBuilt() throws Exception {
    Path model = cnn();
    String e =
        message(() -> CompressionPipeline.builder().setModel(model).optEvaluation(0).build());
    assertTrue(e.contains("evaluation needs a dataset"), e);
  }

  /** The reports written beside the model render the very result run() returns, export included. */
  @Test
  void reportsRenderTheResultRunReturns() throws Exception {
    Path model = cnn();
    Path out = tmp.resolve("out.onnx");
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(out)
            .optMethods(List.of(Method.TUCKER2))
            .optBudget(Budget.none())
            .optSelector(Selectors.ratio(0.5, 1))
            .optGuard(FidelityGuard.defaults().withForce(true))
            .optCompanions(
                List.of(
                    CompressionPipeline.Companion.sibling(
                        ".stages.txt",
                        "stage timings",
                        res -> res.stageSeconds().toString().getBytes(StandardCharsets.UTF_8))))
            .build()
            .run();
    String written = Files.readString(CompressionPipeline.sibling(r.output(), ".stages.txt"));
    assertTrue(r.stageSeconds().containsKey(Stage.EXPORT), r.stageSeconds().toString());
    assertEquals(r.stageSeconds().toString(), written);
  }
}
