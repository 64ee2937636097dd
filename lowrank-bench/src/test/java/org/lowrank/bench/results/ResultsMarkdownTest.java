package org.lowrank.bench.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pieces of the experiments block: tables, target verdicts, published labels, cells. */
class ResultsMarkdownTest {

  @Test
  void tableRendersHeaderSeparatorAndEscapedCells() {
    MarkdownTable t = new MarkdownTable("a", "b").add("x|y", "line1\nline2").add("1", null);
    assertEquals("| a | b |\n|---|---|\n| x\\|y | line1 line2 |\n| 1 |  |\n", t.render());
    assertEquals(2, t.rowCount());
  }

  @Test
  void tableRefusesRowsOfTheWrongWidth() {
    MarkdownTable t = new MarkdownTable("a", "b");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> t.add("only one"));
    assertTrue(
        e.getMessage().contains("1 cells") && e.getMessage().contains("2 columns"), e.getMessage());
  }

  @Test
  void atLeastTargetIsMetOrMissedByTheComputedDistance() {
    Target t = Target.atLeast("params removed", 77.6, "%");
    assertEquals(0.0, t.shortfall(78.0));
    assertEquals(0.0, t.shortfall(77.6));
    assertEquals(0.35, t.shortfall(77.25), 1e-12);
    assertEquals("met (78.00% >= 77.60%)", t.verdict(78.0));
    assertEquals("missed by 0.35% (77.25% < 77.60%)", t.verdict(77.25));
    assertEquals("params removed >= 77.60%", t.describe());
  }

  @Test
  void atMostTargetAndSpeedupVerdicts() {
    Target drop = Target.atMost("drop", 0.4, " pts");
    assertEquals("met (0.10 pts <= 0.40 pts)", drop.verdict(0.1));
    assertEquals("met (-0.50 pts <= 0.40 pts)", drop.verdict(-0.5)); // accuracy went up
    assertEquals("missed by 1.10 pts (1.50 pts > 0.40 pts)", drop.verdict(1.5));
    assertEquals("missed by 0.30x (1.50x < 1.80x)", Published.SPEEDUP.verdict(1.5));
    assertEquals("not measured", Published.SPEEDUP.verdict(Double.NaN));
    assertTrue(Double.isNaN(drop.shortfall(Double.NaN)));
  }

  @Test
  void ofRowsDifferingOnlyInEpochsThe2EpochAndTheLongestFineTunesAreShown() {
    List<Map<String, Object>> rows =
        List.of(
            Map.of("id", "e2/vgg/fc/svd --epochs 1"),
            Map.of("id", "e2/vgg/fc/svd --epochs 2"),
            Map.of("id", "e1/r20/hyb --prune-latency=1.0 --epochs 2"),
            Map.of("id", "e1/r20/hyb --epochs 8 --prune-latency=1.0"),
            Map.of("id", "e1/r20/hyb --epochs 3 --keep-flops 0.22"),
            Map.of("id", "e1/r20/tk --epochs 6 --keep-flops 0.22"),
            Map.of("id", "e1/r20/tk --epochs 10 --keep-flops 0.22"),
            Map.of("id", "e5/r56/tt/datafree"));
    assertEquals(
        List.of(
            "e2/vgg/fc/svd --epochs 2",
            "e1/r20/hyb --prune-latency=1.0 --epochs 2",
            "e1/r20/hyb --epochs 8 --prune-latency=1.0",
            "e1/r20/hyb --epochs 3 --keep-flops 0.22",
            "e1/r20/tk --epochs 10 --keep-flops 0.22",
            "e5/r56/tt/datafree"),
        ExperimentsPage.longestFineTunes(rows).stream().map(r -> r.get("id")).toList());
  }

  @Test
  void metricsAreShownInTheUnitTheirColumnNames() {
    assertEquals("76.74%", ExperimentsPage.cell("params removed", 0.76741));
    assertEquals("2.05x", ExperimentsPage.cell("b1 speedup (CPU)", 2.054));
    assertEquals("81.03", ExperimentsPage.cell("top-1 original", 81.03));
    assertEquals("243.8", ExperimentsPage.cell("fine-tune images/s", 243.77));
    assertEquals("0.9755", ExperimentsPage.cell("rel_err", 0.97551));
    assertEquals("1600", ExperimentsPage.cell("params", 1600L));
    assertEquals("n/a", ExperimentsPage.cell("drop vs reference", Double.NaN));
    assertEquals("76.74%", ExperimentsPage.cell("params removed", "76.74%"), "text as it is");
  }

  @Test
  void aFailedRowShowsItsErrorInTheFirstColumn() {
    Map<String, Object> row =
        Map.of(
            "id",
            "e5/resnet20/hybrid/similarity",
            "experiment",
            5,
            "command",
            "./bench results --experiments 5 --only e5/resnet20/hybrid/similarity",
            "metrics",
            Map.of("error", "model.onnx: no such file", "wall s", 0.1));
    String md = ExperimentsPage.render(Map.of("x", row), "results/experiments.jsonl");
    assertTrue(md.contains("| failed: model.onnx: no such file |"), md);
  }

  @Test
  void ranksOfOneShapeAndMethodShareALineAndNothingIsDropped() {
    List<List<String>> merged =
        ExperimentsPage.mergeLastSegment(
            List.of(
                List.of("measured", "e4/d/64/cp3/[8]", "1096", "cmd"),
                List.of("measured", "e4/d/64/cp3/[32]", "4384", "cmd"),
                List.of("measured", "e4/d/64/tt3/[8,8]", "1600", "cmd")));
    assertEquals(
        List.of(
            List.of("measured", "e4/d/64/cp3/[8] / [32]", "1096 / 4384", "cmd"),
            List.of("measured", "e4/d/64/tt3/[8,8]", "1600", "cmd")),
        merged);
  }

  @Test
  void publishedRowsAreOneLinePerSourceWithTheirNonEmptyCells() {
    Map<String, Object> cp =
        Map.of(
            "id",
            "published/e1/R20 CP",
            "metrics",
            Map.of("source", "published (RENE)", "params removed", 0.7762, "drop", "0.43"));
    Map<String, Object> tt =
        Map.of("id", "published/e1/R20 TT", "metrics", Map.of("source", "published (RENE)"));
    Map<String, Object> ours = Map.of("id", "e1/r20/cp", "metrics", Map.of("drop", "2.09"));
    assertEquals(
        "Published (RENE): R20 CP: params removed 77.62%, drop 0.43; R20 TT.",
        ExperimentsPage.publishedLine(
            List.of(cp, ours, tt), List.of("params removed", "FLOPs removed", "drop")));
  }

  @Test
  void targetsAreTheMissionsNumbers() {
    assertEquals(77.6, Published.PARAMS_REMOVED_R20.value());
    assertEquals(0.4, Published.DROP_R20.value());
    assertEquals(92.7, Published.FC_REMOVED.value());
    assertEquals(82.5, Published.CONV_REMOVED.value());
  }
}
