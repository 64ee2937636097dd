package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;

/**
 * A selector registered only through the SPI (the test-only {@code half}, in
 * org.lowrank.cli.testselector and the test resources' META-INF/services) is usable from the CLI by
 * name, with its own option, its default and its help, and unknown names list it.
 */
class SelectorSpiCliTest {
  @TempDir Path tmp;

  /** x[1,3,8,8] -> first 3x3 3->16 (kept: first conv) -> conv2 3x3 16->32 -> y. */
  private Path model() throws Exception {
    Random rnd = new Random(3);
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 8, 8))
            .putInitializer("w1", weight(rnd, 16, 3, 3, 3))
            .putInitializer("w2", weight(rnd, 32, 16, 3, 3))
            .addNode(
                Node.builder("Conv")
                    .name("first")
                    .inputs("x", "w1")
                    .outputs("a")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("conv2")
                    .inputs("a", "w2")
                    .outputs("y")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    Path p = tmp.resolve("two-convs.onnx");
    OnnxWriter.write(Model.of(g, 13), p);
    return p;
  }

  private static TensorValue weight(Random rnd, long... dims) {
    float[] v = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return TensorValue.ofFloats(dims, v);
  }

  private static int[] conv2Ranks(Path planFile) throws Exception {
    Plan p = Plan.fromJson(Files.readString(planFile), planFile.toString());
    assertEquals("half", p.selector());
    LayerDecision d =
        p.layers().stream().filter(l -> l.layer().equals("conv2")).findFirst().orElseThrow();
    assertTrue(d.isFactorized(), d.toString());
    return d.choice().ranks();
  }

  @Test
  void testOnlySelectorIsOfferedByNameWithItsOption() throws Exception {
    Path m = model();
    // Tucker-2 on conv2 (32 x 16 x 3 x 3): full ranks (32, 16).
    Path quarter = tmp.resolve("quarter.json");
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "plan",
            m.toString(),
            "-o",
            quarter.toString(),
            "--method",
            "tucker",
            "--selector",
            "half",
            "--half-scale",
            "0.25",
            "-q");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertArrayEquals(new int[] {8, 4}, conv2Ranks(quarter));

    Path half = tmp.resolve("default.json");
    r =
        CliCommandsTest.run(
            "plan",
            m.toString(),
            "-o",
            half.toString(),
            "--method",
            "tucker",
            "--selector",
            "half",
            "-q");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertArrayEquals(new int[] {16, 8}, conv2Ranks(half));
  }

  @Test
  void compressReportLabelsScoresWithTheProvidersLabel() throws Exception {
    Path out = tmp.resolve("out.onnx");
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            "compress",
            model().toString(),
            "-o",
            out.toString(),
            "--method",
            "tucker",
            "--selector",
            "half",
            "--force",
            "-q");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    String report = Files.readString(tmp.resolve("out.report.json"));
    assertTrue(report.contains("\"score_label\": \"test score\""), report);
  }

  @Test
  void helpAndErrorsListTheTestOnlySelector() throws Exception {
    CliCommandsTest.Run help = CliCommandsTest.run("plan", "--help");
    String text = help.out().replaceAll("\\s+", " ");
    assertTrue(text.contains("half (test-only: a fixed fraction of the full rank)"), help.out());
    assertTrue(help.out().contains("--half-scale=S"), help.out());
    CliCommandsTest.Run compressHelp = CliCommandsTest.run("compress", "--help");
    assertTrue(compressHelp.out().contains("--half-scale=S"), compressHelp.out());
    assertTrue(
        text.contains(
            "Selector half: --half-scale=S Rank / full rank of the test-only selector (default: 0.5)."),
        help.out());

    CliCommandsTest.Run bad =
        CliCommandsTest.run(
            "plan",
            model().toString(),
            "-o",
            tmp.resolve("p.json").toString(),
            "--selector",
            "nope",
            "-q");
    assertEquals(ExitCodes.BAD_INPUT, bad.code(), bad.err());
    assertTrue(
        bad.err().contains("unknown selector 'nope'") && bad.err().contains("half"), bad.err());
  }
}
