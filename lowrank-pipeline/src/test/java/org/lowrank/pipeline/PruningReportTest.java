package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.RankMultiple;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.ReportJson;
import org.lowrank.report.ReportText;

/**
 * The report of a pruned run lists its channel groups, and what it lists is what the written model
 * holds: every member's output channels before and after.
 */
class PruningReportTest {
  @TempDir Path tmp;

  @Test
  void reportListsEachPrunedGroupAsTheModelHoldsIt() throws Exception {
    Path file = tmp.resolve("cnn.onnx");
    Model original = org.lowrank.demo.DemoModels.fashionCnn(3);
    OnnxWriter.write(original, file);
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(file)
            .optPrune(new PruneStep(0.5, "l1", RankMultiple.given(8), true))
            .optThreads(1)
            .build()
            .run();
    CompressionReport report = Reports.of(r, file.toString(), "");
    CompressionReport.Pruning p = report.pruning().orElseThrow(() -> new AssertionError("none"));
    assertEquals("l1", p.criterion());
    List<CompressionReport.PrunedGroup> pruned = p.pruned();
    assertFalse(pruned.isEmpty(), "half of every eligible group: " + p.groups());
    for (CompressionReport.PrunedGroup g : pruned) {
      assertEquals(
          (g.channelsBefore() + 1) / 2, g.channelsAfter(), "half, rounded up to the block: " + g);
      for (String member : g.members()) {
        assertEquals(g.channelsBefore(), outputChannels(original, member), member);
        assertEquals(g.channelsAfter(), outputChannels(r.compressed(), member), member);
      }
    }
    assertTrue(
        pruned.stream().anyMatch(g -> g.members().equals(List.of("conv1"))),
        "the first conv is a group of its own: " + pruned);
    // the classifier's output channels are the model's output: kept, with the reason
    assertTrue(
        p.keptByReason().keySet().stream().anyMatch(k -> k.startsWith("unprunable")),
        p.keptByReason().toString());

    String text = ReportText.summary(report);
    assertTrue(text.contains("conv1: 32 -> 16 channels"), text);
    assertTrue(text.contains(pruned.size() + " of " + p.groups().size() + " channel groups"), text);
    assertTrue(text.lines().anyMatch(l -> l.startsWith("kept") && l.contains("unprunable")), text);

    CompressionReport back = ReportJson.read(ReportJson.write(report), "report.json");
    assertEquals(p, back.pruning().orElseThrow(), "the JSON report keeps every group");
  }

  @Test
  void anUnprunedRunHasNoPruningSection() throws Exception {
    Path file = tmp.resolve("cnn.onnx");
    OnnxWriter.write(org.lowrank.demo.DemoModels.fashionCnn(3), file);
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(file)
            .optBudget(org.lowrank.plan.Budget.keepParams(0.5))
            .optSelector(Selectors.energy(0.5, 1))
            .optThreads(1)
            .build()
            .run();
    CompressionReport report = Reports.of(r, file.toString(), "");
    assertTrue(report.pruning().isEmpty());
    assertFalse(ReportText.summary(report).contains("channel groups"));
    assertFalse(ReportJson.write(report).contains("\"pruning\""));
  }

  /** Output channels of a Conv (weight dim 0) or a Gemm (dim 0 with transB, else dim 1). */
  private static long outputChannels(Model m, String node) {
    Node n = m.graph().node(node).orElseThrow(() -> new AssertionError("no node " + node));
    long[] w = m.graph().initializer(n.input(1)).orElseThrow().dims();
    return n.opType().equals("Gemm") && n.attrLong("transB", 0) == 0 ? w[1] : w[0];
  }
}
