package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.demo.DemoModels;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;

/**
 * {@code --method prune} alone or {@code --method tucker,prune} without {@code --prune-keep}:
 * pruning planned by the allocator.
 */
class PlannedPruningCliTest {
  @TempDir Path tmp;

  @Test
  void planTableShowsThePrunedGroupsAndTheTotalsBeforePruning() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "plan",
            model.toString(),
            "-o",
            tmp.resolve("p.json").toString(),
            "--method",
            "tucker,prune",
            "--keep-params",
            "0.2",
            "--threads",
            "1");
    assertEquals(0, r.code(), r.err());
    // fc1 holds 93% of the parameters and Tucker does not apply to it: only pruning meets 0.2
    assertTrue(r.out().contains("pruned (l1, planned): "), r.out());
    assertTrue(r.out().contains("fc1 (256 ch): "), r.out());
    assertTrue(r.out().contains("against the model before pruning: params 861,386 -> "), r.out());
  }

  @Test
  void plannedPruningWithoutABudgetSaysWhatToGive() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "plan",
            model.toString(),
            "-o",
            tmp.resolve("p.json").toString(),
            "--method",
            "tucker,prune",
            "--threads",
            "1");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("--keep-flops"), r.err());
  }

  @Test
  void pruneAloneUnderAParameterBudgetAndItsImpossibleBudget() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    Path out = tmp.resolve("p.onnx");
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "compress",
            model.toString(),
            "-o",
            out.toString(),
            "--method",
            "prune",
            "--keep-params",
            "0.5",
            "--threads",
            "1",
            "--no-latency",
            "--force");
    assertEquals(0, r.code(), r.err());
    long before = ModelProfile.of(DemoModels.fashionCnn(3)).totalParams();
    long after = ModelProfile.of(OnnxReader.read(out)).totalParams();
    assertTrue(after <= 0.5 * before, before + " -> " + after);
    assertTrue(r.out().contains("pruned "), r.out());
    assertTrue(r.out().contains("planned: keeps "), r.out());
    for (String report : List.of("p.report.json", "p.report.html")) {
      String text = Files.readString(tmp.resolve(report));
      assertTrue(text.contains("planned: keeps "), report + " lists the pruned groups");
    }

    CliCommandsTest.Run impossible =
        CliCommandsTest.run(
            "compress",
            model.toString(),
            "-o",
            tmp.resolve("q.onnx").toString(),
            "--method",
            "prune",
            "--keep-params",
            "0.001",
            "--threads",
            "1",
            "--no-latency");
    assertEquals(ExitCodes.BAD_INPUT, impossible.code(), impossible.err());
    assertTrue(
        impossible.err().contains("impossible budget for pruning alone: keep params 0.001"),
        impossible.err());
    assertTrue(impossible.err().contains("ask for at least 0."), impossible.err());
    assertFalse(Files.exists(tmp.resolve("q.onnx")));
  }

  @Test
  void plansDoNotCarryPruningSoPlanAndCompressPlanSaySo() throws Exception {
    Path model = tmp.resolve("cnn.onnx");
    OnnxWriter.write(DemoModels.fashionCnn(3), model);
    CliCommandsTest.Run alone =
        CliCommandsTest.run(
            "plan",
            model.toString(),
            "-o",
            tmp.resolve("alone.json").toString(),
            "--method",
            "prune",
            "--keep-params",
            "0.5");
    assertEquals(ExitCodes.BAD_INPUT, alone.code(), alone.err());
    assertTrue(alone.err().contains("--method prune alone factorizes no layer"), alone.err());
    assertFalse(Files.exists(tmp.resolve("alone.json")));

    Path plan = tmp.resolve("p.json");
    CliCommandsTest.Run p =
        CliCommandsTest.run(
            "plan",
            model.toString(),
            "-o",
            plan.toString(),
            "--method",
            "tucker,prune",
            "--keep-params",
            "0.2",
            "--threads",
            "1");
    assertEquals(0, p.code(), p.err());
    CliCommandsTest.Run c =
        CliCommandsTest.run(
            "compress",
            model.toString(),
            "-o",
            tmp.resolve("c.onnx").toString(),
            "--plan",
            plan.toString(),
            "--threads",
            "1",
            "--no-latency");
    assertEquals(ExitCodes.BAD_INPUT, c.code(), c.err());
    assertTrue(c.err().contains("the plan was made on a filter-pruned model"), c.err());
    assertFalse(Files.exists(tmp.resolve("c.onnx")));
  }
}
