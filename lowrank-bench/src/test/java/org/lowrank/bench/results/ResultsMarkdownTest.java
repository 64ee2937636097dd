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
    assertTrue(
        md.startsWith("# lowrank results\n\nintro\n\n- seed: 42\n\n## 1. ResNet\n\ntext\n\n"), md);
    assertTrue(
        md.contains("| published (RENE, arXiv 2409.03555) | 77.62% |\n| measured | 78.00% |\n"),
        md);
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
    ResultsBench.Options o =
        ResultsBench.parse(
            new String[] {
              "--quick", "--experiments", "1,3", "--epochs", "2", "--only", "e1/x", "--out", "r.md"
            });
    assertTrue(o.quick);
    assertEquals(java.util.Set.of(1, 3), o.experiments);
    assertEquals(2, o.epochs);
    assertEquals(java.util.List.of("--quick", "--epochs", "2"), o.given);
    assertEquals(200, o.evalImages());
    assertThrows(
        IllegalArgumentException.class,
        () -> ResultsBench.parse(new String[] {"--experiments", "6"}));
    assertThrows(
        IllegalArgumentException.class,
        () -> ResultsBench.parse(new String[] {"--experiments", "0"}));
    assertThrows(
        IllegalArgumentException.class, () -> ResultsBench.parse(new String[] {"--epochs", "x"}));
    assertThrows(
        IllegalArgumentException.class, () -> ResultsBench.parse(new String[] {"--bogus", "1"}));
    assertFalse(ResultsBench.parse(new String[0]).quick);
    // budget and refit options are parsed, validated and repeated in rerun commands
    ResultsBench.Options f =
        ResultsBench.parse(new String[] {"--keep-flops", "0.22", "--refit", "0"});
    assertEquals(0.22, f.keepFlops, 1e-12);
    assertEquals(0, f.refit);
    assertEquals(java.util.List.of("--keep-flops", "0.22", "--refit", "0"), f.given);
    assertEquals(
        org.lowrank.pipeline.CompressionPipeline.DEFAULT_REFIT_IMAGES,
        ResultsBench.parse(new String[0]).refit);
    assertThrows(
        IllegalArgumentException.class,
        () -> ResultsBench.parse(new String[] {"--keep-flops", "1.5"}));
    assertThrows(
        IllegalArgumentException.class, () -> ResultsBench.parse(new String[] {"--refit", "-1"}));
    ResultsBench.Options kd = ResultsBench.parse(new String[] {"--kd-weight", "0.1"});
    assertEquals(0.1, kd.fineTune(3).kdWeight(), 1e-12);
    assertEquals(java.util.List.of("--kd-weight", "0.1"), kd.given);
    assertEquals(
        org.lowrank.train.finetune.FineTuneSettings.epochs(1).kdWeight(),
        ResultsBench.parse(new String[0]).fineTune(1).kdWeight(),
        1e-12);
    assertThrows(
        IllegalArgumentException.class,
        () -> ResultsBench.parse(new String[] {"--kd-weight", "2"}));
    assertEquals(
        "labels x 1 + the original's outputs of the factorized layers x 0.5",
        ResultsBench.lossText(org.lowrank.train.finetune.FineTuneSettings.epochs(1)));
    assertEquals(
        "labels x 0.3 + the original's logits x 0.7 at T=4 + the original's outputs of the "
            + "factorized layers x 0.5",
        ResultsBench.lossText(
            org.lowrank.train.finetune.FineTuneSettings.epochs(1).withKdWeight(0.7)));
    assertEquals(
        "labels only (no distillation)",
        ResultsBench.lossText(
            org.lowrank.train.finetune.FineTuneSettings.epochs(1).withDistillation(false)));
  }

  @Test
  void formattingHelpers() {
    assertEquals("78.12%", ResultsBench.pct(0.78123));
    assertEquals("n/a", ResultsBench.pct(Double.NaN));
    assertEquals("1.50", ResultsBench.f2(1.5));
  }

  @Test
  void experimentFiveIsAcceptedAndTheDefaultRunsAllFive() {
    assertEquals(
        java.util.Set.of(3, 5),
        ResultsBench.parse(new String[] {"--experiments", "3,5"}).experiments);
    assertEquals(ResultsBench.ALL_EXPERIMENTS, ResultsBench.parse(new String[0]).experiments);
  }

  @Test
  void fullModeFineTunesOnEverythingAtTheCliLearningRate() {
    ResultsBench.Options full = ResultsBench.parse(new String[0]);
    assertEquals(0, full.evalImages(), "all 10000 test images");
    assertEquals(0, full.cifarTrainLimit(), "all 50000 training images");
    // the product's default optimizer and its learning rate (AdamW, 3e-3)
    assertEquals(
        org.lowrank.train.finetune.FineTuneSettings.defaultLearningRate(
            org.lowrank.train.finetune.FineTuneSettings.DEFAULT_OPTIMIZER),
        full.cifarLr());
    assertEquals(0.003, full.cifarLr());
    assertEquals(0.003, full.fashionLr());
    ResultsBench.Options given =
        ResultsBench.parse(
            new String[] {"--eval", "1000", "--train-limit", "2048", "--lr", "0.002"});
    assertEquals(1000, given.evalImages());
    assertEquals(2048, given.cifarTrainLimit());
    assertEquals(0.002, given.cifarLr());
    assertEquals(0.002, given.fashionLr());
    ResultsBench.Options quick = ResultsBench.parse(new String[] {"--quick"});
    assertEquals(200, quick.evalImages());
    assertEquals(256, quick.cifarTrainLimit());
  }

  @Test
  void methodAndSelectorFiltersAreValidatedAndRepeatedInRerunCommands() {
    ResultsBench.Options o =
        ResultsBench.parse(
            new String[] {
              "--methods", "tt,Hybrid", "--selectors", "datafree", "--experiments", "1"
            });
    assertEquals(java.util.Set.of("tt", "hybrid"), o.methods);
    assertEquals(java.util.Set.of("datafree"), o.selectors);
    assertTrue(o.allows("tt", "datafree"));
    assertFalse(o.allows("cp", "datafree"));
    assertFalse(o.allows("tt", "similarity"));
    assertTrue(ResultsBench.parse(new String[0]).allows("cp", "vbmf"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResultsBench.parse(new String[] {"--methods", "tucker,svd"}));
    assertTrue(e.getMessage().contains("svd"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> ResultsBench.parse(new String[] {"--selectors", "random"}));
    String cmd = new ResultsBench(o, System.err).rerun("e1/resnet20/tt/datafree");
    assertEquals(
        "./bench results --methods tt,Hybrid --selectors datafree --experiments 1 --only "
            + "e1/resnet20/tt/datafree --out /tmp/row.md",
        cmd);
  }

  @Test
  void pruneLatencyTakesAnOptionalRatio() {
    assertEquals(1.0, ResultsBench.parse(new String[] {"--prune-latency"}).pruneLatency);
    assertEquals(0.8, ResultsBench.parse(new String[] {"--prune-latency=0.8"}).pruneLatency);
    ResultsBench.Options o = ResultsBench.parse(new String[] {"--prune-latency", "0.9", "--quick"});
    assertEquals(0.9, o.pruneLatency);
    assertTrue(o.quick);
    assertEquals(java.util.List.of("--prune-latency=0.9", "--quick"), o.given);
    ResultsBench.Options bare = ResultsBench.parse(new String[] {"--prune-latency", "--quick"});
    assertEquals(1.0, bare.pruneLatency);
    assertTrue(bare.quick, "a bare --prune-latency does not swallow the next option");
    assertTrue(
        new ResultsBench(bare, System.err)
            .rerun("e3/resnet20/tt/vbmf")
            .contains(" --prune-latency=1.0 "));
    assertEquals(null, ResultsBench.parse(new String[0]).pruneLatency);
    assertThrows(
        IllegalArgumentException.class,
        () -> ResultsBench.parse(new String[] {"--prune-latency=x"}));
    assertThrows(
        IllegalArgumentException.class,
        () -> ResultsBench.parse(new String[] {"--prune-latency=0"}));
  }

  @Test
  void coreRowsOfTheFirstPhase() {
    assertTrue(ResultsBench.core("e1/resnet20/reference"));
    assertTrue(ResultsBench.core("e1/resnet20/tucker/datafree"));
    assertFalse(ResultsBench.core("e1/resnet56/reference"));
    assertFalse(ResultsBench.core("e1/resnet20/cp/similarity"));
    assertTrue(
        ResultsBench.core("e3/resnet20/cp/vbmf"), "all of issue 5's table in the first phase");
    assertTrue(ResultsBench.core("e5/resnet56/tt/datafree"));
    assertTrue(ResultsBench.core("e5/resnet20/hybrid/similarity"));
    assertFalse(ResultsBench.core("e5/resnet56/hybrid/similarity"));
  }

  @Test
  void searchGoalsAreIssueFivesAndMissesStateByHowMuch() {
    assertEquals(3, ResultsBench.E5_GOALS.size());
    assertEquals(60.0, Published.DATAFREE_SEARCH_R56.value());
    assertEquals(300.0, Published.DSE_SEARCH.value());
    assertEquals(
        "missed by 12.50 s (72.50 s > 60.00 s)", Published.DATAFREE_SEARCH_R56.verdict(72.5));
    assertEquals("met (41.00 s <= 60.00 s)", Published.DATAFREE_SEARCH_R56.verdict(41));
  }

  @Test
  void sectionFiveShowsWallAndCpuVerdictsAndRerunCommands() {
    ResultsBench b =
        new ResultsBench(
            ResultsBench.parse(new String[] {"--quick", "--experiments", "5"}), System.err);
    org.lowrank.cost.Cost before = new org.lowrank.cost.Cost(1000, 10000);
    org.lowrank.cost.Cost after = new org.lowrank.cost.Cost(220, 4000);
    org.lowrank.plan.Plan plan =
        new org.lowrank.plan.Plan(
            "resnet56.onnx",
            "datafree",
            org.lowrank.plan.Budget.keepParams(0.22),
            42,
            Map.of(),
            java.util.List.of(),
            before,
            after);
    b.e5.add(
        new ResultsBench.PlanRow(
            ResultsBench.E5_GOALS.get(0),
            plan,
            new ResultsBench.Search(72.5, 41, 1.5, 2.25),
            null));
    b.e5.add(
        new ResultsBench.PlanRow(
            ResultsBench.E5_GOALS.get(1), null, new ResultsBench.Search(3, 2, 1, 1), "boom"));
    String md = b.document().render();
    assertTrue(md.contains("## 5. Search-time goals of issue 5"), md);
    assertTrue(
        md.contains(
            "| e5/resnet56/tt/datafree | resnet56 | datafree | tt | 78.00% | 60.00% | 72.50 | 41.00 | 1.5 / 2.3 | "
                + "missed by 12.50 s (72.50 s > 60.00 s) | met (41.00 s <= 60.00 s) |"),
        md);
    assertTrue(
        md.contains(
            "| e5/resnet20/hybrid/similarity | resnet20 | similarity | hybrid | failed: boom |"),
        md);
    assertTrue(
        md.contains(
            "./bench results --quick --experiments 5 --only e5/resnet56/tt/datafree --out /tmp/row.md"),
        md);
    assertFalse(md.contains("## 1. "), "only the experiments asked for");
  }

  @Test
  void sectionThreeAndOneHaveTheSearchTimeAndReferenceColumns() {
    ResultsBench b =
        new ResultsBench(ResultsBench.parse(new String[] {"--experiments", "1,3"}), System.err);
    b.references.put(
        "resnet20",
        new ResultsBench.Reference("resnet20", 81.03, 82.84, 82.80, 300, 150, "measured", null));
    String md = b.document().render();
    assertTrue(
        md.contains(
            "| row | selector | method | params removed | FLOPs removed | top-1 original | "
                + "compressed (no fine-tuning) | drop | search wall s | search CPU s | load avg (search start / end) | wall s |"),
        md);
    assertTrue(
        md.contains("| drop | drop vs reference | search wall s | search CPU s | wall s |"), md);
    assertTrue(
        md.contains(
            "| measured | e1/resnet20/reference | 0.00% | 0.00% | 81.03 | (not compressed) | 82.84 | "
                + "82.80 | -1.81 |  |  |  | 300.0 |"),
        md);
    assertTrue(md.contains(ResultsBench.cores() + " cores"), md);
    assertTrue(
        md.contains(
            "./bench results --experiments 1 --only e1/resnet20/reference --out /tmp/row.md"),
        md);
  }

  @Test
  void dropVsReferenceIsReferenceMinusRowAndNaNWithoutOne() {
    ResultsBench.Reference ref =
        new ResultsBench.Reference("resnet20", 81.03, 82.84, 82.8, 1, 1, "measured", null);
    assertEquals(1.34, ResultsBench.dropVsReference(ref, 81.5), 1e-9);
    assertTrue(Double.isNaN(ResultsBench.dropVsReference(null, 81.5)));
    ResultsBench.Reference failed =
        new ResultsBench.Reference(
            "resnet20", Double.NaN, Double.NaN, Double.NaN, 1, Double.NaN, "measured", "diverged");
    assertTrue(Double.isNaN(ResultsBench.dropVsReference(failed, 81.5)));
    assertEquals("resnet56", ResultsBench.modelOf("e1/resnet56/tt/datafree"));
  }

  @Test
  void cachedReferenceIsReadBackOnlyForTheSameSettings() throws Exception {
    ResultsBench.Reference ref =
        new ResultsBench.Reference("resnet20", 81.03, 82.84, 82.8, 250.5, 140.2, "measured", null);
    java.util.Map<String, Object> text =
        org.lowrank.util.Json.parseObject(
            org.lowrank.util.Json.write(
                ref.toRecord("key A", "2026-11-23T21:00:00Z", "commit abc"), 0));
    ResultsBench.Reference back = ResultsBench.Reference.fromRecord(text, "key A");
    assertEquals(82.84, back.fineTuned());
    assertEquals(81.03, back.original());
    assertEquals(140.2, back.imagesPerSecond());
    assertTrue(
        back.source().contains("cached") && back.source().contains("2026-11-23T21:00:00Z"),
        back.source());
    assertEquals(null, ResultsBench.Reference.fromRecord(text, "key B"));
    ResultsBench.Options a = ResultsBench.parse(new String[] {"--eval", "1000"});
    ResultsBench.Options c = ResultsBench.parse(new String[] {"--eval", "2000"});
    ResultsBench.Options e = ResultsBench.parse(new String[] {"--eval", "1000", "--epochs", "2"});
    String ka = new ResultsBench(a, System.err).referenceKey("resnet20");
    assertFalse(ka.equals(new ResultsBench(c, System.err).referenceKey("resnet20")));
    assertFalse(ka.equals(new ResultsBench(e, System.err).referenceKey("resnet20")));
    assertFalse(ka.equals(new ResultsBench(a, System.err).referenceKey("resnet56")));
    assertEquals(
        ka,
        new ResultsBench(
                ResultsBench.parse(new String[] {"--eval", "1000", "--only", "x"}), System.err)
            .referenceKey("resnet20"),
        "row filters do not change the reference");
  }

  @Test
  void processCpuTimeIsMeasured() {
    double t0 = ResultsBench.processCpuSeconds();
    long x = 0;
    for (int i = 0; i < 50_000_000; i++) {
      x += i ^ (x >>> 3);
    }
    assertTrue(x != 1);
    assertTrue(ResultsBench.processCpuSeconds() > t0, "CPU time advances");
    ResultsBench.Search s = ResultsBench.Search.start().stop();
    assertTrue(s.wallSeconds() >= 0 && s.cpuSeconds() >= 0, s.toString());
  }

  @Test
  void aRowRunAloneUsesTheCachedReferenceOfTheSameSettingsAndNeverRunsOneUnasked(@TempDir Path dir)
      throws Exception {
    ResultsBench.Options o =
        ResultsBench.parse(
            new String[] {
              "--quick",
              "--experiments",
              "1",
              "--only",
              "e1/resnet20/tt/datafree",
              "--out",
              dir.resolve("r.md").toString()
            });
    o.cacheDir = dir;
    ResultsBench b = new ResultsBench(o, System.err);
    b.reference("resnet20");
    assertTrue(b.references.isEmpty(), "no cache, not named by --only: nothing runs");
    ResultsBench.Reference ref =
        new ResultsBench.Reference("resnet20", 81.03, 82.84, 82.8, 250.5, 140.2, "measured", null);
    org.lowrank.bench.record.ResultLog cache =
        new org.lowrank.bench.record.ResultLog(b.referenceCache());
    cache.append(ref.toRecord("other settings", "t1", "g1"));
    b.reference("resnet20");
    assertTrue(b.references.isEmpty(), "a cached reference of other settings is ignored");
    cache.append(ref.toRecord(b.referenceKey("resnet20"), "t0", "g0"));
    b.reference("resnet20");
    ResultsBench.Reference got = b.references.get("resnet20");
    assertEquals(82.84, got.fineTuned());
    assertTrue(got.source().contains("cached") && got.source().contains("t0"), got.source());
    String md = b.document().render();
    assertTrue(
        md.contains("| e1/resnet20/reference | 0.00% | 0.00% | 81.03 | (not compressed) | 82.84 |"),
        md);
  }

  @Test
  void resultsIsNeverWrittenByARunAndTheAppendixOptionsAreGone() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResultsBench.parse(new String[] {"--out", "RESULTS.md"}));
    assertTrue(
        e.getMessage().contains("rendered from results/*.jsonl by ./bench render"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResultsBench.parse(new String[] {"--merge", "a.md"}));
    assertTrue(e.getMessage().contains("./bench import"), e.getMessage());
  }
}
