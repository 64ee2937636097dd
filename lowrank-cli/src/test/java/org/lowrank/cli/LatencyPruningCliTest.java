package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import picocli.CommandLine;

/**
 * {@code --prune-latency[=RATIO]} and {@code --prune-batch}: parsed, applied, recorded in the plan.
 */
class LatencyPruningCliTest {
  @TempDir Path tmp;

  private static PlanningOptions parse(String... args) {
    CommandLine.ParseResult r = Main.commandLine().parseArgs(args);
    return ((PlanCommand) r.subcommand().commandSpec().userObject()).planning;
  }

  @Test
  void optionIsOptionalValuedAndDefaultsToRatioOne() {
    assertNull(parse("plan", "m.onnx", "-o", "p.json").pruneLatency);
    assertEquals(1.0, parse("plan", "m.onnx", "-o", "p.json", "--prune-latency").pruneLatency);
    assertEquals(1.0, parse("plan", "--prune-latency", "m.onnx", "-o", "p.json").pruneLatency);
    PlanningOptions o =
        parse("plan", "m.onnx", "-o", "p.json", "--prune-latency=0.8", "--prune-batch=32");
    assertEquals(0.8, o.pruneLatency);
    assertEquals(32, o.pruneBatch);
  }

  @Test
  void planRecordsThePruningAndNeverPicksADroppedCandidate() throws Exception {
    Path plan = tmp.resolve("plan.json");
    CliCommandsTest.Run p =
        CliCommandsTest.run(
            "plan",
            CliCommandsTest.resnet20().toString(),
            "-o",
            plan.toString(),
            "--method",
            "cp",
            "--selector",
            "energy",
            "--keep-params",
            "0.5",
            "--prune-latency",
            "-q",
            "--threads",
            "1");
    assertEquals(0, p.code(), p.err());
    String json = Files.readString(plan);
    Plan parsed = Plan.fromJson(json, plan.toString());
    assertEquals(true, parsed.settings().get("prune_latency"), json);
    assertEquals(1.0, ((Number) parsed.settings().get("prune_latency_ratio")).doubleValue());
    assertEquals(1L, parsed.settings().get("prune_batch"));
    long timings = (Long) parsed.settings().get("prune_timings");
    long dropped = (Long) parsed.settings().get("prune_dropped_candidates");
    assertTrue(timings > 0, json);
    assertTrue(parsed.keptParamsFraction() <= 0.5, "budget " + parsed.keptParamsFraction());
    long kept =
        parsed.layers().stream()
            .filter(d -> d.note().startsWith("kept: no factorization was faster"))
            .count();
    assertEquals(kept, parsed.settings().get("prune_kept_layers"));
    assertTrue(dropped > 0 || kept == 0, json);
    for (LayerDecision d : parsed.layers()) {
      assertTrue(d.isFactorized() || !d.note().isBlank(), d.toString());
    }
  }

  @Test
  void pruneBatchAloneOrWithAPlanFileIsABadInput() throws Exception {
    Path plan = tmp.resolve("p.json");
    CliCommandsTest.Run alone =
        CliCommandsTest.run(
            "plan",
            CliCommandsTest.resnet20().toString(),
            "-o",
            plan.toString(),
            "--prune-batch",
            "8",
            "-q");
    assertEquals(ExitCodes.BAD_INPUT, alone.code(), alone.err());
    assertTrue(alone.err().contains("--prune-latency"), alone.err());
    Files.writeString(plan, "{}");
    CliCommandsTest.Run withPlan =
        CliCommandsTest.run(
            "compress",
            CliCommandsTest.resnet20().toString(),
            "-o",
            tmp.resolve("o.onnx").toString(),
            "--plan",
            plan.toString(),
            "--prune-latency",
            "-q");
    assertEquals(ExitCodes.BAD_INPUT, withPlan.code(), withPlan.err());
    assertTrue(withPlan.err().contains("--prune-latency"), withPlan.err());
  }
}
