package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.demo.DemoModels;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.LatencyBudget;
import org.lowrank.report.CompressionReport;
import org.lowrank.runtime.LatencyComparison;

class LatencyBudgetPipelineTest {
  @TempDir Path tmp;

  private static Plan plan(String tag) {
    return new Plan(
        "m.onnx",
        "energy",
        Budget.none(),
        1,
        Map.of("tag", tag, "latency_predicted_ms", List.of(1.0)),
        List.of(),
        new Cost(1, 1),
        new Cost(1, 1));
  }

  @Test
  void replanLoopStopsAfterMaxRoundsAndKeepsTheClosestPlan() {
    LatencyBudget first =
        LatencyBudget.of(0.5, new int[] {1}, new double[] {10}, (l, c, b) -> null);
    List<LatencyBudget> asked = new ArrayList<>();
    double[] measured = {0.8, 0.6, 0.7, 0.55};
    Plan p =
        LatencyRounds.run(
            first,
            lb -> {
              asked.add(lb);
              return plan("round " + asked.size());
            },
            pl -> new double[] {measured[asked.size() - 1]});
    assertEquals(LatencyRounds.MAX_ROUNDS, asked.size(), "never more than the maximum rounds");
    assertEquals("round 2", p.settings().get("tag"), "the closest plan (0.6) is kept");
    assertEquals(false, p.settings().get("latency_met"));
    assertEquals(List.of(0.6), p.settings().get("latency_measured_ratio"));
    // the measured error is folded in: 0.5/0.8, then times 0.5/0.6
    assertEquals(0.5 / 0.8, asked.get(1).correction()[0], 1e-12);
    assertEquals(0.5 / 0.8 * 0.5 / 0.6, asked.get(2).correction()[0], 1e-12);
  }

  @Test
  void replanLoopStopsOnceTheMeasuredModelMeetsTheBudget() {
    LatencyBudget first =
        LatencyBudget.of(0.5, new int[] {1, 32}, new double[] {1, 20}, (l, c, b) -> null);
    List<LatencyBudget> asked = new ArrayList<>();
    Plan p =
        LatencyRounds.run(
            first,
            lb -> {
              asked.add(lb);
              return plan("round " + asked.size());
            },
            pl -> asked.size() == 1 ? new double[] {0.45, 0.7} : new double[] {0.4, 0.5});
    assertEquals(2, asked.size());
    assertEquals(1.0, asked.get(1).correction()[0], 1e-12, "batch 1 met: not tightened");
    assertEquals(true, p.settings().get("latency_met"));
    assertEquals(2, ((List<?>) p.settings().get("latency_rounds")).size());
  }

  @Test
  void defaultCapTightensUntilTheWholeModelIsNotSlower() {
    List<Double> caps = new ArrayList<>();
    Plan p =
        LatencyRounds.runCap(
            1.0,
            cap -> {
              caps.add(cap);
              return plan("round " + caps.size());
            },
            pl -> caps.size() == 1 ? new double[] {1.04} : new double[] {0.98});
    assertEquals(2, caps.size(), "stops once the measured model is not slower");
    assertEquals(1 / 1.04, caps.get(1), 1e-12, "the cap shrinks by the measured excess");
    assertEquals(true, p.settings().get("latency_met"));
    assertEquals(List.of(0.98), p.settings().get("latency_measured_ratio"));
  }

  @Test
  void reportCarriesTheMeasuredLatencyOfTheCompressedModel() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    Path cache = tmp.resolve("cache");
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(tmp.resolve("out.onnx"))
            .optMethods(List.of(Method.TUCKER2, Method.CP))
            .optGuard(FidelityGuard.defaults().withForce(true))
            .optKeepLatency(1.0)
            .optLatencyCache(cache)
            .optLatency(1, 5, 1)
            .build()
            .run();
    Map<String, Object> s = r.plan().settings();
    assertEquals(1.0, s.get("latency_keep"));
    assertNotNull(s.get("latency_measured_ratio"), s.toString());
    assertFalse(((List<?>) s.get("latency_rounds")).isEmpty());
    LatencyComparison lat = r.latency();
    assertNotNull(lat, "the compressed model is measured after the rewrite");
    CompressionReport report = Reports.of(r, model.toString(), "");
    assertEquals(lat.rows().size(), report.latency().size());
    assertEquals(
        lat.rows().get(0).rewritten().medianMillis(),
        report.latency().get(0).compressedMillis(),
        0.0,
        "the report's figure is the measured one");
    try (var files = Files.list(cache)) {
      assertEquals(1, files.count(), "one cache file for this machine");
    }
  }
}
