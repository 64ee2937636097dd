package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxWriter;
import picocli.CommandLine;

class InspectCommandTest {

  @TempDir Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new InspectCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private static Path resnet20() {
    String p = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    Path data = p != null ? Paths.get(p) : Paths.get("..", "..", "shared", "data");
    Path m = data.resolve("models/resnet20_cifar10/model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(m), "shared model absent: " + m);
    return m;
  }

  @Test
  void tableForResNet20() {
    Result r = run(resnet20().toString());
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().split("\n");
    assertTrue(lines[0].contains("input input 1x3x32x32"), lines[0]);
    assertTrue(r.out().contains("layer") && r.out().contains("methods / skip reason"));
    String conv =
        Arrays.stream(lines)
            .filter(l -> l.startsWith("/layer3/layer3.2/conv2/Conv"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        conv.contains("conv2d")
            && conv.contains("s1 p1")
            && conv.contains("64x64x3x3")
            && conv.contains("1x64x8x8")
            && conv.contains("36,928")
            && conv.contains("2,359,296")
            && conv.contains("tucker,cp,tt"),
        conv);
    String first =
        Arrays.stream(lines).filter(l -> l.startsWith("/conv1/Conv")).findFirst().orElseThrow();
    assertTrue(first.contains("skip: too small"), first);
    String fc =
        Arrays.stream(lines).filter(l -> l.startsWith("/linear/Gemm")).findFirst().orElseThrow();
    assertTrue(
        fc.contains("dense")
            && fc.contains("skip: classifier: kept by default (--include-classifier"),
        fc);
    assertTrue(
        r.out()
            .contains(
                "total: 269,036 params, 40,551,040 MACs per sample; 20 layers, 18 factorizable"),
        r.out());
    assertTrue(
        r.out()
            .contains(
                "2 layers skipped: 1 too small (--min-weights N or --include LAYER), 1 classifier "
                    + "(--include-classifier)"),
        r.out());
  }

  @Test
  void jsonForResNet20WithInputShapeOverride() throws IOException {
    Result r = run(resnet20().toString(), "--json", "--input-shape", "4,3,32,32");
    assertEquals(0, r.code(), r.err());
    JsonNode root = new ObjectMapper().readTree(r.out());
    assertEquals(4, root.get("inputShapes").get("input").get(0).asInt());
    assertEquals(20, root.get("layers").size());
    JsonNode fc = root.get("layers").get(19);
    assertEquals("/linear/Gemm", fc.get("name").asText());
    assertEquals("[4,10]", fc.get("outputShape").toString());
    assertEquals(640, fc.get("macs").asLong()); // per sample
    assertEquals(
        "[]", fc.get("methods").toString()); // the classifier is kept by default, as compress does
    assertEquals("classifier", fc.get("skipRule").asText());
    JsonNode withFc =
        new ObjectMapper()
            .readTree(run(resnet20().toString(), "--json", "--include-classifier").out());
    assertEquals(
        "[\"svd\",\"qr\",\"ttm\"]", withFc.get("layers").get(19).get("methods").toString());
    JsonNode c = root.get("layers").get(0);
    assertEquals("[1,1,1,1]", c.get("pads").toString());
    assertTrue(c.get("skipReason").asText().startsWith("too small"));
    assertEquals(269_036, root.get("totals").get("params").asLong());
    assertEquals(40_551_040, root.get("totals").get("macs").asLong());
  }

  @Test
  void badInputAndUnsupportedModelsGiveExitCodesAndOneLine() throws IOException {
    Result missing = run(tmp.resolve("nope.onnx").toString());
    assertEquals(2, missing.code());
    assertTrue(
        missing.err().startsWith("lowrank inspect: ") && missing.err().contains("nope.onnx"),
        missing.err());
    assertEquals(1, missing.err().strip().split("\n").length, missing.err());

    Path corrupt = tmp.resolve("corrupt.onnx");
    Files.write(corrupt, new byte[] {0x08, 0x07, 0x3a, 0x7f, 0x01});
    Result c = run(corrupt.toString());
    assertEquals(2, c.code());
    assertTrue(c.err().contains("corrupt.onnx"), c.err());

    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 8, 8))
            .putInitializer("w", TensorValue.ofFloats(new long[] {4, 3, 3, 3}, new float[108]))
            .addNode(Node.builder("Conv").name("conv").inputs("x", "w").outputs("c").build())
            .addNode(Node.builder("WarpDrive").name("engage").inputs("c").outputs("y").build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    Path unsupported = tmp.resolve("warp.onnx");
    OnnxWriter.write(Model.of(g, 13), unsupported);
    Result u = run(unsupported.toString());
    assertEquals(3, u.code(), u.err());
    assertTrue(
        u.err().contains("warp.onnx")
            && u.err().contains("engage")
            && u.err().contains("WarpDrive"),
        u.err());

    Result badShape = run(resnet20().toString(), "--input-shape", "1,3,abc");
    assertEquals(2, badShape.code());
    assertTrue(badShape.err().contains("'abc'"), badShape.err());
    Result wrongRank = run(resnet20().toString(), "--input-shape", "1,3,32");
    assertEquals(2, wrongRank.code());
    assertTrue(wrongRank.err().contains("rank"), wrongRank.err());
  }
}
