package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.demo.DemoModels;
import org.lowrank.onnx.OnnxWriter;

/** {@code --method tucker,prune} without {@code --prune-keep}: pruning planned by the allocator. */
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
}
