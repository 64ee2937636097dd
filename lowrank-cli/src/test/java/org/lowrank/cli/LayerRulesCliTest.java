package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
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
import picocli.CommandLine;

/**
 * The layer rules are one option set on inspect, plan, compress and demo, and inspect counts as
 * factorizable exactly the layers the planner considers; the errors name the options to use.
 */
class LayerRulesCliTest {
  @TempDir Path tmp;

  private static final Random RND = new Random(7);

  private static TensorValue weight(long... dims) {
    float[] v = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (RND.nextGaussian() * 0.1);
    }
    return TensorValue.ofFloats(dims, v);
  }

  private static Node conv(String name, String in, String w, String out, long group, long pad) {
    Node.Builder b =
        Node.builder("Conv").name(name).inputs(in, w).outputs(out).attr("group", group);
    return (pad > 0 ? b.attrInts("pads", pad, pad, pad, pad) : b).build();
  }

  /**
   * x[1,3,8,8] -> first 3x3 3->32 -> conv2 3x3 32->32 -> pw 1x1 -> dw 3x3 depthwise -> global pool
   * -> fc1 32->64 -> fc2 64->10 (the classifier): one layer per rule, two default candidates.
   */
  private Path smallCnn() throws IOException {
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 8, 8))
            .putInitializer("w1", weight(32, 3, 3, 3))
            .putInitializer("w2", weight(32, 32, 3, 3))
            .putInitializer("wp", weight(32, 32, 1, 1))
            .putInitializer("wd", weight(32, 1, 3, 3))
            .putInitializer("f1", weight(64, 32))
            .putInitializer("f2", weight(10, 64))
            .addNode(conv("first", "x", "w1", "a", 1, 1))
            .addNode(conv("conv2", "a", "w2", "b", 1, 1))
            .addNode(conv("pw", "b", "wp", "c", 1, 0))
            .addNode(conv("dw", "c", "wd", "d", 32, 1))
            .addNode(Node.builder("GlobalAveragePool").name("gap").inputs("d").outputs("e").build())
            .addNode(Node.builder("Flatten").name("flat").inputs("e").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc1")
                    .inputs("f", "f1")
                    .outputs("h")
                    .attr("transB", 1L)
                    .build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc2")
                    .inputs("h", "f2")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    Path p = tmp.resolve("small.onnx");
    OnnxWriter.write(Model.of(g, 13), p);
    return p;
  }

  /**
   * MobileNet-style: a 1x1 stem 3->16, five depthwise 3x3 + pointwise 1x1 blocks
   * (16->32->64->64->64 ->64), a 1x1 head 64->10 and global pooling: 7 pointwise and 5 depthwise
   * convolutions.
   */
  private Path mobileNetLike() throws IOException {
    Graph.Builder g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 16, 16))
            .putInitializer("stem", weight(16, 3, 1, 1))
            .addNode(conv("stem", "x", "stem", "s0", 1, 0));
    long[] channels = {16, 32, 64, 64, 64, 64};
    for (int i = 1; i < channels.length; i++) {
      long c = channels[i - 1];
      g.putInitializer("dw" + i, weight(c, 1, 3, 3))
          .putInitializer("pw" + i, weight(channels[i], c, 1, 1))
          .addNode(conv("dw" + i, "s" + (i - 1), "dw" + i, "d" + i, c, 1))
          .addNode(conv("pw" + i, "d" + i, "pw" + i, "s" + i, 1, 0));
    }
    g.putInitializer("head", weight(10, 64, 1, 1))
        .addNode(conv("head", "s5", "head", "h", 1, 0))
        .addNode(Node.builder("GlobalAveragePool").name("gap").inputs("h").outputs("p").build())
        .addNode(Node.builder("Flatten").name("flat").inputs("p").outputs("y").build())
        .addOutput(new ValueInfo("y", DataType.FLOAT, null));
    Path p = tmp.resolve("mobile.onnx");
    OnnxWriter.write(Model.of(g.build(), 13), p);
    return p;
  }

  private static final List<String> ALL_RULE_OPTIONS =
      List.of(
          "--include-pointwise",
          "--include-first",
          "--include-classifier",
          "--include",
          "conv2",
          "--exclude",
          "fc1",
          "--min-weights",
          "100");

  private static String[] args(List<String> head, List<String> tail) {
    List<String> a = new ArrayList<>(head);
    a.addAll(tail);
    return a.toArray(String[]::new);
  }

  @Test
  void everyVerbThatPlansTakesTheSameLayerRuleOptions() throws Exception {
    Path model = smallCnn();
    CliCommandsTest.Run inspect =
        CliCommandsTest.run(args(List.of("inspect", model.toString()), ALL_RULE_OPTIONS));
    assertEquals(ExitCodes.OK, inspect.code(), inspect.err());
    CliCommandsTest.Run plan =
        CliCommandsTest.run(
            args(
                List.of(
                    "plan",
                    model.toString(),
                    "-o",
                    tmp.resolve("p.json").toString(),
                    "--selector",
                    "ratio",
                    "-q"),
                ALL_RULE_OPTIONS));
    assertEquals(ExitCodes.OK, plan.code(), plan.err());
    Path out = tmp.resolve("c.onnx");
    CliCommandsTest.Run compress =
        CliCommandsTest.run(
            args(
                List.of(
                    "compress",
                    model.toString(),
                    "-o",
                    out.toString(),
                    "--selector",
                    "ratio",
                    "--no-latency",
                    "--force",
                    "-q"),
                ALL_RULE_OPTIONS));
    assertEquals(ExitCodes.OK, compress.code(), compress.err());
    assertTrue(Files.isRegularFile(out));
    // demo trains a model on first use: parsing is enough to show it takes the options
    CommandLine.ParseResult demo =
        Main.commandLine().parseArgs(args(List.of("demo"), ALL_RULE_OPTIONS));
    assertTrue(demo.subcommand().hasMatchedOption("--include-pointwise"));
    assertTrue(demo.subcommand().hasMatchedOption("--min-weights"));

    CliCommandsTest.Run unknown =
        CliCommandsTest.run("inspect", model.toString(), "--include", "conv9");
    assertEquals(ExitCodes.BAD_INPUT, unknown.code(), unknown.err());
    assertTrue(
        unknown.err().contains("--include conv9") && unknown.err().contains("conv2"),
        unknown.err());
  }

  /** The names inspect --json marks factorizable. */
  private static Set<String> inspectFactorizable(Path model, List<String> options)
      throws IOException {
    CliCommandsTest.Run r =
        CliCommandsTest.run(args(List.of("inspect", model.toString(), "--json"), options));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    Set<String> names = new TreeSet<>();
    for (JsonNode l : new ObjectMapper().readTree(r.out()).get("layers")) {
      if (!l.get("methods").isEmpty()) {
        names.add(l.get("name").asText());
      }
    }
    return names;
  }

  /** The names the planner factorizes (ratio selector: every candidate it is given). */
  private Set<String> planned(Path model, List<String> options) throws IOException {
    Path plan = tmp.resolve("plan" + options.hashCode() + ".json");
    CliCommandsTest.Run r =
        CliCommandsTest.run(
            args(
                List.of(
                    "plan",
                    model.toString(),
                    "-o",
                    plan.toString(),
                    "--selector",
                    "ratio",
                    "--rank-multiple",
                    "1", // this small model's layers have fewer channels than a block
                    "--allow-slower", // every candidate layer, fast or not
                    "-q"),
                options));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    Set<String> names = new TreeSet<>();
    for (LayerDecision d : Plan.fromJson(Files.readString(plan), plan.toString()).layers()) {
      if (d.isFactorized()) {
        names.add(d.layer());
      }
    }
    return names;
  }

  @Test
  void inspectCountsTheLayersThePlannerConsiders() throws Exception {
    Path model = smallCnn();
    assertEquals(Set.of("conv2", "fc1"), inspectFactorizable(model, List.of()));
    for (List<String> options :
        List.of(
            List.<String>of(),
            List.of("--include-first"),
            List.of("--include-classifier"),
            List.of("--include-pointwise"),
            List.of("--include-first", "--include-classifier", "--include-pointwise"))) {
      Set<String> inspected = inspectFactorizable(model, options);
      assertEquals(inspected, planned(model, options), "options " + options);
      assertEquals(2 + options.size(), inspected.size(), "options " + options + ": " + inspected);
    }
  }

  @Test
  void inspectSaysWhichOptionIncludesEachSkippedLayer() throws Exception {
    CliCommandsTest.Run r = CliCommandsTest.run("inspect", smallCnn().toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
    List<String> lines = Arrays.asList(r.out().split("\n"));
    assertTrue(
        line(lines, "first").contains("skip: first conv: kept by default (--include-first"),
        r.out());
    assertTrue(
        line(lines, "pw")
            .contains(
                "skip: 1x1 conv: pointwise layers are skipped by default "
                    + "(--include-pointwise to factorize)"),
        r.out());
    assertTrue(line(lines, "fc2").contains("(--include-classifier"), r.out());
    assertTrue(line(lines, "dw").contains("depthwise"), r.out());
    assertTrue(r.out().contains("6 layers, 2 factorizable"), r.out());
    assertTrue(
        r.out()
            .contains(
                "4 layers skipped: 1 depthwise (no low-rank method), 1 pointwise 1x1 "
                    + "(--include-pointwise), 1 first conv (--include-first), 1 classifier (--include-classifier)"),
        r.out());
  }

  private static String line(List<String> lines, String layer) {
    return lines.stream().filter(l -> l.startsWith(layer + " ")).findFirst().orElseThrow();
  }

  @Test
  void anImpossibleBudgetNamesTheOptionsThatIncludeMoreLayers() throws Exception {
    Path model = smallCnn();
    for (String selector :
        List.of("ratio", "energy")) { // the uniform search and the budget allocator
      CliCommandsTest.Run r =
          CliCommandsTest.run(
              "plan",
              model.toString(),
              "-o",
              tmp.resolve("p.json").toString(),
              "--selector",
              selector,
              "--keep-params",
              "0.05",
              "-q");
      assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
      for (String option :
          List.of(
              "impossible budget",
              "--include-first",
              "--include-classifier",
              "--include-pointwise",
              "--include LAYER")) {
        assertTrue(r.err().contains(option), selector + ": " + r.err());
      }
    }
  }

  @Test
  void aMobileNetStyleModelGetsAShortCountAndThePointwiseHint() throws Exception {
    Path model = mobileNetLike();
    Path out = tmp.resolve("never.onnx");
    for (String verb : List.of("compress", "plan")) {
      CliCommandsTest.Run r =
          CliCommandsTest.run(verb, model.toString(), "-o", out.toString(), "-q");
      assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
      String err = r.err().strip();
      assertTrue(err.length() < 1000, err.length() + " chars: " + err);
      assertEquals(1, err.lines().count(), err);
      assertTrue(
          err.contains("nothing to compress") && err.contains("--include-pointwise makes 6 layers"),
          err);
      assertTrue(
          err.contains(
              "12 layers skipped: 5 depthwise (no low-rank method), 7 pointwise 1x1 "
                  + "(--include-pointwise)"),
          err);
      assertTrue(err.contains("run lowrank inspect " + model), err);
    }
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(List.of(model), files.toList(), "nothing written on failure");
    }
    // the hint is true: with --include-pointwise the six layers are planned
    Path plan = tmp.resolve("plan.json");
    CliCommandsTest.Run ok =
        CliCommandsTest.run(
            "plan",
            model.toString(),
            "-o",
            plan.toString(),
            "--include-pointwise",
            "--selector",
            "ratio",
            "--rank-multiple",
            "1",
            "--allow-slower",
            "-q");
    assertEquals(ExitCodes.OK, ok.code(), ok.err());
    assertEquals(
        6,
        Plan.fromJson(Files.readString(plan), plan.toString()).layers().stream()
            .filter(LayerDecision::isFactorized)
            .count());
  }
}
