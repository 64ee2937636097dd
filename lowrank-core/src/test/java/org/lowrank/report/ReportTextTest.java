package org.lowrank.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTextTest {

  @Test
  void summaryHasAlignedLabelledLines() {
    CompressionReport r = SampleReports.resnet20(List.of());
    String s = ReportText.summary(r);
    String[] lines = s.split("\n");
    for (String l : lines) {
      assertEquals(' ', l.charAt(10), "values start in column 12: '" + l + "'");
      assertEquals(' ', l.charAt(11), "values start in column 12: '" + l + "'");
      assertTrue(l.charAt(12) != ' ', "values start in column 12: '" + l + "'");
    }
    assertTrue(
        s.startsWith(
            "model       resnet20_cifar10 (models/resnet20_cifar10/model.onnx), input ?x3x32x32\n"),
        s);
    assertTrue(
        s.contains(
            "params      "
                + Fmt.count(r.totalBefore().params())
                + " -> "
                + Fmt.count(r.totalAfter().params())
                + "  ("
                + Fmt.percent(-r.paramsRemovedFraction(), 1)),
        s);
    assertTrue(
        s.contains(
            "top-1       82.36% original -> 74.15% compressed -> 81.93% fine-tuned  (-0.43 pt;"
                + " cifar10-test (jpeg), 10,000 samples)"),
        s);
    assertTrue(
        s.contains(
            "latency     batch 1, 1 thread: 1.52 ms -> 0.842 ms  (1.81x)\n"
                + "            batch 32, 1 thread: 31.7 ms -> 14.9 ms  (2.13x), 35 runs, median within 1.2%\n"),
        s);
    assertTrue(s.contains("time        3 min 14 s (load 0.41 s, "), s);
    assertTrue(s.contains("warning     layer '/layer3"), s);
    assertTrue(s.chars().allMatch(c -> c < 128), "ASCII only");
  }

  @Test
  void minimalSummaryLeavesOutWhatWasNotMeasured() {
    String s = ReportText.summary(SampleReports.minimal());
    assertEquals(4, s.split("\n").length, s);
    assertFalse(s.contains("top-1") || s.contains("latency") || s.contains("time"), s);
  }

  @Test
  void newlinesInNamesCannotBreakLines() {
    CompressionReport r =
        CompressionReport.builder()
            .setPlan(SampleReports.resnet20Plan(List.of()))
            .optModelName("evil\nname")
            .build();
    assertTrue(ReportText.summary(r).startsWith("model       evil name\n"));
  }

  /** Many pruned groups are listed up to a cap, then counted; kept groups one line per reason. */
  @Test
  void prunedGroupsAreListedAndKeptGroupsSummarizedByReason() {
    List<CompressionReport.PrunedGroup> groups = new java.util.ArrayList<>();
    for (int i = 0; i < ReportText.LISTED_GROUPS + 3; i++) {
      groups.add(new CompressionReport.PrunedGroup(List.of("conv" + i), 32, 16, ""));
    }
    groups.add(
        new CompressionReport.PrunedGroup(
            List.of("stem", "b1.conv2", "b2.conv2", "b3.conv2"), 16, 16, "kept whole: offsets"));
    groups.add(
        new CompressionReport.PrunedGroup(List.of("b4.conv2"), 16, 16, "kept whole: offsets"));
    groups.add(new CompressionReport.PrunedGroup(List.of("fc"), 10, 10, "unprunable: output"));
    CompressionReport r =
        CompressionReport.builder()
            .setPlan(SampleReports.resnet20Plan(List.of()))
            .optPruning(new CompressionReport.Pruning("l1", 0.5, groups))
            .build();
    String s = ReportText.summary(r);
    int n = ReportText.LISTED_GROUPS + 3;
    assertTrue(
        s.contains("pruned      " + n + " of " + (n + 3) + " channel groups (l1, keep 50%)"), s);
    assertTrue(s.contains("            conv0: 32 -> 16 channels\n"), s);
    assertFalse(s.contains("conv" + ReportText.LISTED_GROUPS + ":"), s);
    assertTrue(s.contains("            ... and 3 more pruned groups\n"), s);
    assertTrue(
        s.contains(
            "kept        2 groups: kept whole: offsets (e.g. stem, b1.conv2 +2 more, 16 channels)\n"),
        s);
    assertTrue(s.contains("            1 group: unprunable: output (e.g. fc, 10 channels)\n"), s);
  }
}
