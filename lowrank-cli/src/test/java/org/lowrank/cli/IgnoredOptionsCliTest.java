package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An option that would be silently ignored is refused, naming it ({@link OptionChecks}): options
 * that need {@code --data} given without it, planning options given with {@code --plan}, negative
 * counts. The checks run before the model is read, so the model file need not exist.
 */
class IgnoredOptionsCliTest {
  @TempDir Path tmp;

  private CliCommandsTest.Run run(String verb, String... options) {
    String[] args = new String[options.length + 5];
    args[0] = verb;
    args[1] = tmp.resolve("absent.onnx").toString();
    args[2] = "-o";
    args[3] = tmp.resolve(verb.equals("plan") ? "p.json" : "o.onnx").toString();
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
  void dataOptionsWithoutDataAreRefused() {
    assertBadInputNaming(run("compress", "--fit-images", "32"), "--fit-images", "--data");
    assertBadInputNaming(run("compress", "--refit-images", "8"), "--refit-images", "--data");
    assertBadInputNaming(run("compress", "--eval-limit", "100"), "--eval-limit", "--data");
    assertBadInputNaming(run("compress", "--no-eval"), "--no-eval", "--data");
    assertBadInputNaming(run("compress", "--factorize", "weights"), "--factorize", "--data");
    assertBadInputNaming(run("compress", "--max-drop", "2"), "--max-drop", "--data");
    assertBadInputNaming(run("compress", "--calibration", "16"), "--calibration", "--data");
    assertBadInputNaming(run("plan", "--calibration", "16"), "--calibration", "--data");
  }

  @Test
  void fitImagesWithWeightOnlyFactorsAreRefused() {
    Path data = tmp.resolve("data");
    assertBadInputNaming(
        run("compress", "--data", data.toString(), "--factorize", "weights", "--fit-images", "8"),
        "--fit-images",
        "--factorize weights");
  }

  @Test
  void anEvaluationLimitWithoutEvaluationIsRefused() {
    Path data = tmp.resolve("data");
    assertBadInputNaming(
        run("compress", "--data", data.toString(), "--no-eval", "--eval-limit", "10"),
        "--eval-limit",
        "--no-eval");
  }

  @Test
  void distillationOptionsWithoutDataDistillAreRefused() {
    Path data = tmp.resolve("data");
    assertBadInputNaming(
        run("compress", "--data", data.toString(), "--distill-steps", "50"),
        "--distill-steps",
        "--factorize data-distill");
    assertBadInputNaming(
        run(
            "compress",
            "--data",
            data.toString(),
            "--factorize",
            "weights",
            "--distill-images",
            "9"),
        "--distill-images");
    assertBadInputNaming(run("compress", "--distill-steps", "50"), "--distill-steps", "--data");
  }

  @Test
  void negativeCountsNameTheirOption() {
    Path data = tmp.resolve("data");
    assertBadInputNaming(
        run("compress", "--data", data.toString(), "--fit-images", "-3"), "--fit-images", "-3");
    assertBadInputNaming(
        run("compress", "--data", data.toString(), "--eval-limit", "-2"), "--eval-limit", "-2");
    assertBadInputNaming(
        run("compress", "--data", data.toString(), "--refit-images", "-1"), "--refit-images");
    assertBadInputNaming(
        run("plan", "--data", data.toString(), "--calibration", "-5"), "--calibration", "-5");
  }

  @Test
  void planningOptionsWithAPlanFileAreRefused() {
    String plan = tmp.resolve("given.json").toString();
    for (String verb : new String[] {"compress", "plan"}) {
      assertBadInputNaming(
          run(verb, "--plan", plan, "--keep-params", "0.3"), "--keep-params", plan);
      assertBadInputNaming(run(verb, "--plan", plan, "--keep-flops", "0.3"), "--keep-flops");
      assertBadInputNaming(run(verb, "--plan", plan, "--method", "cp"), "--method");
      assertBadInputNaming(run(verb, "--plan", plan, "--selector", "energy"), "--selector");
      assertBadInputNaming(run(verb, "--plan", plan, "--energy", "0.9"), "--energy");
      assertBadInputNaming(run(verb, "--plan", plan, "--exclude", "conv1"), "--exclude");
      assertBadInputNaming(run(verb, "--plan", plan, "--allow-slower"), "--allow-slower");
    }
  }

  @Test
  void planTakesTheLatencyBatchesOfItsBudget() {
    CommandLine.ParseResult r =
        Main.commandLine()
            .parseArgs(
                "plan",
                "m.onnx",
                "-o",
                "p.json",
                "--keep-latency",
                "0.5",
                "--latency-batches",
                "1,8");
    PlanCommand plan = (PlanCommand) r.subcommand().commandSpec().userObject();
    assertArrayEquals(new int[] {1, 8}, plan.planning.latencyBatches);
    CommandLine.ParseResult d = Main.commandLine().parseArgs("plan", "m.onnx", "-o", "p.json");
    PlanCommand byDefault = (PlanCommand) d.subcommand().commandSpec().userObject();
    assertArrayEquals(
        new int[] {1, 32}, byDefault.planning.latencyBatches, "the same default as compress");
  }
}
