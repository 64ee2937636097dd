package org.lowrank.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cost.Method;
import org.lowrank.plan.Budget;

/** The README's Java example, verbatim between the markers, compiled and run on ResNet-20. */
class ReadmeExampleTest {
  @TempDir Path tmp;

  @Test
  void readmeExampleRuns() throws Exception {
    Path model = SharedData.require("models/resnet20_cifar10/model.onnx");
    Path out = tmp.resolve("model.lowrank.onnx");
    // README-BEGIN
    CompressionResult r =
        CompressionPipeline.builder()
            .setModel(model)
            .optOutput(out)
            .optMethods(List.of(Method.TUCKER2, Method.CP, Method.TT, Method.SVD))
            .optBudget(Budget.keepParams(0.25))
            .optSelector(Selectors.energy(0.9, 1))
            .optListener(
                new PipelineListener() {
                  @Override
                  public void stage(Stage stage) {
                    System.err.println("stage " + stage.label());
                  }
                })
            .build()
            .run();
    System.out.printf("params removed %.1f%%%n", 100 * r.paramsRemoved());
    System.out.println(r.fidelity().verdict()); // PASSED: ... or FAILED: ... (then r.output() is
    // model.lowrank.rejected.onnx; .optGuard(FidelityGuard.defaults().withForce(true)) keeps out)
    // README-END
    assertTrue(Files.isRegularFile(r.output()));
    assertEquals(r.fidelity().passed() ? out : CompressionPipeline.rejectedPath(out), r.output());
    assertTrue(r.paramsRemoved() >= 0.75 - 1e-9, "budget keeps 25%: " + r.paramsRemoved());
  }

  @Test
  void readmeShowsExactlyThisCode() throws Exception {
    assertEquals(
        between(Path.of("src/test/java/org/lowrank/pipeline/ReadmeExampleTest.java")),
        between(Path.of("..", "README.md")));
  }

  /** The non-blank lines between the markers, stripped of indentation. */
  private static List<String> between(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    int a = -1;
    int b = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().equals("// README-BEGIN")) {
        a = i;
      } else if (lines.get(i).trim().equals("// README-END")) {
        b = i;
      }
    }
    assertTrue(a >= 0 && b > a, "markers in " + file);
    return lines.subList(a + 1, b).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
