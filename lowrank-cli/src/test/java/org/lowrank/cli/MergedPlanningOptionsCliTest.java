package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.pipeline.DataSpec;
import org.lowrank.pipeline.PlanSpec;
import picocli.CommandLine;

/**
 * The options that meet in {@link PlanningOptions#spec} and {@link CompressCommand#dataSpec}:
 * {@code --keep-latency}, the default per-layer latency cap ({@code --allow-slower}), {@code
 * --prune-keep} / {@code --method prune} and {@code --fit-images}. Parsed in process; the checks
 * run before the model is read, so the model file need not exist.
 */
class MergedPlanningOptionsCliTest {
  @TempDir Path tmp;

  private static CompressCommand compress(String... options) {
    String[] args = new String[options.length + 4];
    args[0] = "compress";
    args[1] = "m.onnx";
    args[2] = "-o";
    args[3] = "o.onnx";
    System.arraycopy(options, 0, args, 4, options.length);
    CommandLine.ParseResult r = Main.commandLine().parseArgs(args);
    return (CompressCommand) r.subcommand().commandSpec().userObject();
  }

  private static PlanSpec spec(String... options) {
    CompressCommand c = compress(options);
    return c.planning.spec(c.data);
  }

  private CliCommandsTest.Run run(String... options) {
    String[] args = new String[options.length + 5];
    args[0] = "compress";
    args[1] = tmp.resolve("absent.onnx").toString();
    args[2] = "-o";
    args[3] = tmp.resolve("o.onnx").toString();
    args[4] = "-q";
    System.arraycopy(options, 0, args, 5, options.length);
    return CliCommandsTest.run(args);
  }

  private static void assertBadInputNaming(CliCommandsTest.Run r, String... words) {
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    for (String w : words) {
      assertTrue(r.err().contains(w), "expected '" + w + "' in: " + r.err());
    }
  }

  @Test
  void keepLatencyOutsideZeroOneIsBadInputNamingTheOption() {
    // 0 would mean "no latency budget" inside PlanSpec: given on the command line it is a mistake
    assertBadInputNaming(run("--keep-latency", "0"), "--keep-latency", "(0, 1]", "found 0.0");
    assertBadInputNaming(run("--keep-latency", "1.5"), "--keep-latency", "(0, 1]", "found 1.5");
    assertBadInputNaming(run("--keep-latency", "-0.5"), "--keep-latency", "(0, 1]");
  }

  @Test
  void keepLatencyWithAPlanFileIsBadInput() {
    Path plan = tmp.resolve("p.json");
    assertBadInputNaming(
        run("--keep-latency", "0.5", "--plan", plan.toString()), "--keep-latency", "--plan");
    assertBadInputNaming(
        run("--keep-latency", "0", "--plan", plan.toString()), "--keep-latency", "(0, 1]");
  }

  @Test
  void pruneKeepWithAPlanFileOrPruningAloneWithALatencyBudgetIsRefused() {
    Path plan = tmp.resolve("p.json");
    assertBadInputNaming(
        run("--prune-keep", "0.5", "--plan", plan.toString()), "--prune-keep", "--plan");
    assertBadInputNaming(
        run("--method", "prune", "--prune-keep", "0.5", "--keep-latency", "0.5"),
        "--method prune",
        "--keep-latency");
    assertBadInputNaming(
        run("--method", "prune", "--keep-flops", "0.7", "--plan", plan.toString()),
        "--method prune",
        "--plan");
  }

  @Test
  void pruningWithFactorizationTakesALatencyBudget() {
    // the refusal is gone: a fixed --prune-keep, or pruning planned with the factorizations
    assertEquals(0.5, spec("--prune-keep", "0.5", "--keep-latency", "0.5").keepLatency());
    PlanSpec planned = spec("--method", "tucker,prune", "--keep-latency", "0.5");
    assertEquals(0.5, planned.keepLatency());
    assertTrue(planned.prune().planned(), "--method tucker,prune without --prune-keep is planned");
    assertFalse(spec("--method", "tucker,prune", "--prune-keep", "0.5").prune().planned());
  }

  @Test
  void pruneLatencyWithPruningAloneIsRefused() {
    // --method prune alone factorizes nothing: a per-layer cap would be silently ignored
    assertBadInputNaming(
        run("--method", "prune", "--prune-keep", "0.5", "--prune-latency", "0.8"),
        "--prune-latency",
        "--method prune");
  }

  @Test
  void defaultLatencyCapOnlyWhenPlanningWithoutABudget() {
    assertEquals(new PlanSpec.LatencyPruning(1.0, 1), spec().latencyPruning(), "the default cap");
    assertNull(spec("--allow-slower").latencyPruning(), "--allow-slower turns the cap off");
    assertNull(spec("--keep-flops", "0.5").latencyPruning(), "a budget replaces the cap");
    assertNull(spec("--keep-params", "0.5").latencyPruning());
    PlanSpec latency = spec("--keep-latency", "0.5");
    assertNull(latency.latencyPruning(), "the latency budget replaces the cap");
    assertEquals(0.5, latency.keepLatency());
    assertNull(spec("--plan", "p.json").latencyPruning(), "a plan file is applied, not planned");
    // pruning alone plans no ranks: nothing for a cap to act on
    PlanSpec pruneOnly = spec("--method", "prune", "--prune-keep", "0.5");
    assertTrue(pruneOnly.prune().only());
    assertNull(pruneOnly.latencyPruning(), "--method prune alone plans no ranks");
    // pruning then factorizing without a budget keeps the cap for the factorized layers
    assertEquals(new PlanSpec.LatencyPruning(1.0, 1), spec("--prune-keep", "0.5").latencyPruning());
    assertEquals(
        new PlanSpec.LatencyPruning(0.8, 4),
        spec("--allow-slower", "--prune-latency", "0.8", "--prune-batch", "4").latencyPruning(),
        "an explicit cap wins over --allow-slower");
  }

  @Test
  void latencyCacheReachesThePlanSpec() {
    assertEquals(
        Path.of("cache"), spec("--keep-latency", "0.5", "--latency-cache", "cache").latencyCache());
    assertNull(spec().latencyCache());
  }

  @Test
  void fitImagesReachTheDataSpec() {
    Path data = tmp.resolve("data");
    DataSpec d = compress("--data", data.toString(), "--fit-images", "32").dataSpec();
    assertEquals(32, d.dataAwareImages());
    assertTrue(d.sequential(), "--factorize data (the default) fits layer by layer");
    assertEquals(data, d.source().path());
    DataSpec symmetric =
        compress("--data", data.toString(), "--fit-images", "48", "--factorize", "data-symmetric")
            .dataSpec();
    assertEquals(48, symmetric.dataAwareImages());
    assertTrue(!symmetric.sequential());
    DataSpec weights = compress("--data", data.toString(), "--factorize", "weights").dataSpec();
    assertEquals(0, weights.dataAwareImages(), "--factorize weights fits nothing to data");
    DataSpec refit =
        compress("--data", data.toString(), "--refit-images", "16", "--eval-limit", "100")
            .dataSpec();
    assertEquals(16, refit.refitImages());
    assertEquals(100, refit.evalLimit());
    assertEquals(
        DataSpec.none().dataAwareImages(),
        refit.dataAwareImages(),
        "the default --fit-images is the pipeline's default");
    assertEquals(-1, compress().dataSpec().evalLimit(), "no data: no eval");
    DataSpec planning =
        compress("--data", data.toString(), "--calibration", "16", "--input-shape", "1,3,40,40")
            .dataSpec();
    assertEquals(16, planning.calibrationImages());
    assertEquals(java.util.List.of("1,3,40,40"), planning.inputShapeSpecs());
  }

  @Test
  void planTakesTheFactorizeModeSoTheSearchScoresTheDeployedFit() {
    Path data = tmp.resolve("data");
    String[] base = {"plan", "m.onnx", "-o", "p.json", "--data", data.toString()};
    java.util.function.Function<String[], DataSpec> plan =
        extra -> {
          String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
          System.arraycopy(extra, 0, args, base.length, extra.length);
          CommandLine.ParseResult r = Main.commandLine().parseArgs(args);
          return ((PlanCommand) r.subcommand().commandSpec().userObject()).dataSpec();
        };
    assertEquals(0, plan.apply(new String[] {"--factorize", "weights"}).dataAwareImages());
    assertEquals(64, plan.apply(new String[] {"--fit-images", "64"}).dataAwareImages());
    assertEquals(DataSpec.none().dataAwareImages(), plan.apply(new String[0]).dataAwareImages());
  }
}
