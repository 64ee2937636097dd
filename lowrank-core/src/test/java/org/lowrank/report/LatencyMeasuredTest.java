package org.lowrank.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A report states what its latency rows measured: runs and how settled the median was. */
class LatencyMeasuredTest {
  @Test
  void runsAndSpreadRoundTripAndShowInTheSummary() {
    CompressionReport r = SampleReports.resnet20(List.of());
    CompressionReport back = ReportJson.read(ReportJson.write(r), "r.json");
    assertEquals(r.latency(), back.latency());
    assertEquals(35, back.latency().get(1).runs());
    assertEquals(0.012, back.latency().get(1).medianSpread(), 1e-12);
    assertEquals(0, back.latency().get(0).runs(), "an old row without runs reads as not recorded");
    String text = ReportText.summary(r);
    assertTrue(text.contains("35 runs, median within 1.2%"), text);
  }

  @Test
  void theRankGridIsStatedInTheSummary() {
    CompressionReport r = SampleReports.resnet20(List.of());
    assertTrue(!ReportText.summary(r).contains("ranks "), "no grid recorded: no line");
    java.util.Map<String, Object> settings = new java.util.LinkedHashMap<>(r.plan().settings());
    settings.put("rank_multiple", 16L);
    settings.put("rank_multiple_source", "detected (avx512f)");
    settings.put("rank_unaligned_layers", List.of("/conv1/Conv"));
    org.lowrank.plan.Plan p = r.plan();
    org.lowrank.plan.Plan q =
        new org.lowrank.plan.Plan(
            p.model(),
            p.selector(),
            p.budget(),
            p.seed(),
            settings,
            p.layers(),
            p.modelBefore(),
            p.modelAfter());
    String text = ReportText.summary(CompressionReport.builder().setPlan(q).build());
    assertTrue(
        text.contains(
            "ranks       multiples of 16 (detected (avx512f)); not aligned (full rank or "
                + "fewer channels than the block): [/conv1/Conv]\n"),
        text);
    org.lowrank.plan.Plan back = org.lowrank.plan.Plan.fromJson(q.toJson(), "p.json");
    assertEquals(q.rankGrid(), back.rankGrid());
  }
}
