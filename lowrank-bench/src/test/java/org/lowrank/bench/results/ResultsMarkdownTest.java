package org.lowrank.bench.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Markdown generation of RESULTS.md: tables, target verdicts, published labels, options. */
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
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.add("only one"));
    assertTrue(e.getMessage().contains("1 cells") && e.getMessage().contains("2 columns"), e.getMessage());
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
  void publishedFiguresMatchMissionAndCarryTheirLabel() {
    Published.Figure cp = Published.RENE_RESNET20.get(0);
    assertEquals(77.62, cp.paramsRemoved());
    assertEquals(0.43, cp.drop(), 1e-9);
    assertTrue(Published.RENE.startsWith("published"));
    assertTrue(Published.DSE.startsWith("published"));
    assertEquals(92.7, Published.FC_REMOVED.value());
    assertEquals(82.5, Published.CONV_REMOVED.value());
  }

  @Test
  void documentRendersSectionsAndIsWrittenAtomically(@TempDir Path dir) throws Exception {
    ResultsDocument d = new ResultsDocument("lowrank results");
    d.paragraph("intro").facts(Map.of("seed", "42"));
    MarkdownTable t = new MarkdownTable("source", "params removed");
    t.add(Published.RENE, "77.62%").add("measured", "78.00%");
    d.section("1. ResNet").paragraph("text").table(t).code("./bench results --only e1");
    String md = d.render();
    assertTrue(md.startsWith("# lowrank results\n\nintro\n\n- seed: 42\n\n## 1. ResNet\n\ntext\n\n"), md);
    assertTrue(md.contains("| published (RENE, arXiv 2409.03555) | 77.62% |\n| measured | 78.00% |\n"), md);
    assertTrue(md.contains("```\n./bench results --only e1\n```\n"), md);
    Path out = dir.resolve("RESULTS.md");
    Files.writeString(out, "old");
    d.write(out);
    assertEquals(md, Files.readString(out));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }

  @Test
  void optionsParseAndRerunCommandsRepeatThem() {
    ResultsBench.Options o = ResultsBench.parse(
        new String[] {"--quick", "--experiments", "1,3", "--epochs", "2", "--only", "e1/x", "--out", "r.md"});
    assertTrue(o.quick);
    assertEquals(java.util.Set.of(1, 3), o.experiments);
    assertEquals(2, o.epochs);
    assertEquals(java.util.List.of("--quick", "--epochs", "2"), o.given);
    assertEquals(200, o.evalImages());
    assertThrows(IllegalArgumentException.class, () -> ResultsBench.parse(new String[] {"--experiments", "5"}));
    assertThrows(IllegalArgumentException.class, () -> ResultsBench.parse(new String[] {"--epochs", "x"}));
    assertThrows(IllegalArgumentException.class, () -> ResultsBench.parse(new String[] {"--bogus", "1"}));
    assertFalse(ResultsBench.parse(new String[0]).quick);
  }

  @Test
  void appendixDemotesHeadingsAndNamesItsSource() {
    ResultsDocument d = new ResultsDocument("main");
    d.appendix("other.md", "# lowrank results\n\nintro\n\n## 1. ResNet\n\n| a |\n|---|\n| 1 |\n");
    String md = d.render();
    assertTrue(md.contains("## Appendix: lowrank results (other.md)\n\nintro\n\n#### 1. ResNet\n\n| a |\n|---|\n| 1 |\n"), md);
  }

  @Test
  void extendingKeepsTheEarlierFileAndAddsAppendices() {
    ResultsDocument d = ResultsDocument.extending("# main\n\nbody\n\n");
    d.appendix("ft.md", "# lowrank results\n\n## 1. x\n");
    assertEquals("# main\n\nbody\n\n## Appendix: lowrank results (ft.md)\n\n#### 1. x\n", d.render());
  }

  @Test
  void formattingHelpers() {
    assertEquals("78.12%", ResultsBench.pct(0.78123));
    assertEquals("n/a", ResultsBench.pct(Double.NaN));
    assertEquals("1.50", ResultsBench.f2(1.5));
  }
}
