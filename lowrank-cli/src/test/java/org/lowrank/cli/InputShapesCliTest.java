package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxWriter;

/**
 * The model's own batch and input shape through every verb: a batch fixed by the export, a free
 * height and width given with --input-shape, and versions or shapes refused up front.
 */
class InputShapesCliTest {
  @TempDir Path tmp;

  private static TensorValue random(Random rnd, long... dims) {
    float[] v = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextGaussian() * 0.3);
    }
    return TensorValue.ofFloats(dims, v);
  }

  /**
   * x [shape] -> Conv 1->16 3x3 -> Relu -> Conv 16->16 3x3 -> Relu -> GlobalAveragePool -> Reshape
   * [batch, 16] -> Gemm 16->10: a classifier; with a known batch the Reshape bakes it in, as
   * exporters do, so the model runs at that batch only.
   */
  private static Model classifier(List<ValueInfo.Dim> shape, long batch) {
    Random rnd = new Random(3);
    Graph g =
        Graph.builder()
            .addInput(new ValueInfo("x", DataType.FLOAT, shape))
            .putInitializer("w1", random(rnd, 16, 1, 3, 3))
            .putInitializer("w2", random(rnd, 16, 16, 3, 3))
            .putInitializer("s", TensorValue.ofLongs(new long[] {2}, new long[] {batch, 16}))
            .putInitializer("fc", random(rnd, 10, 16))
            .addNode(
                Node.builder("Conv")
                    .name("conv1")
                    .inputs("x", "w1")
                    .outputs("c1")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu1").inputs("c1").outputs("r1").build())
            .addNode(
                Node.builder("Conv")
                    .name("conv2")
                    .inputs("r1", "w2")
                    .outputs("c2")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu2").inputs("c2").outputs("r2").build())
            .addNode(
                Node.builder("GlobalAveragePool").name("gap").inputs("r2").outputs("p").build())
            .addNode(Node.builder("Reshape").name("flat").inputs("p", "s").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "fc")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    return Model.of(g, 13);
  }

  private static List<ValueInfo.Dim> dims(Object... ds) {
    return java.util.Arrays.stream(ds)
        .map(
            d ->
                d instanceof String s
                    ? ValueInfo.Dim.symbolic(s)
                    : ValueInfo.Dim.of(((Number) d).longValue()))
        .toList();
  }

  private Path write(Model m, String name) throws Exception {
    Path p = tmp.resolve(name);
    OnnxWriter.write(m, p);
    return p;
  }

  /** {@code n} random 8x8 grey PNGs in class folders test/c0..c9 (labels round robin). */
  private Path images(int n) throws Exception {
    Random rnd = new Random(5);
    Path root = tmp.resolve("data");
    for (int i = 0; i < n; i++) {
      Path dir = Files.createDirectories(root.resolve("test").resolve("c" + i % 10));
      BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
          img.getRaster().setSample(x, y, 0, rnd.nextInt(256));
        }
      }
      ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
    }
    return root;
  }

  @Test
  void aModelWithItsBatchFixedAtOneWorksInEveryVerb() throws Exception {
    Path m = write(classifier(dims(1, 1, 8, 8), 1), "fixed1.onnx");
    CliCommandsTest.Run inspect = CliCommandsTest.run("inspect", m.toString());
    assertEquals(0, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains("input x 1x1x8x8"), inspect.out());

    Path out = tmp.resolve("small.onnx");
    CliCommandsTest.Run c =
        CliCommandsTest.run(
            "compress",
            m.toString(),
            "-o",
            out.toString(),
            "--method",
            "tucker",
            "--selector",
            "ratio",
            "--ratio",
            "0.5",
            "--latency-batches",
            "1,32",
            "--force",
            "-q",
            "--threads",
            "1");
    assertEquals(0, c.code(), c.err());
    assertTrue(Files.isRegularFile(out));
    assertTrue(c.out().contains("batch 1, 1 thread"), c.out());
    assertFalse(c.out().contains("batch 32"), c.out());
    assertTrue(
        c.out()
            .contains(
                "latency timed at batch 1 (fixed by the model) only; asked for batches [1, 32]"),
        c.out());
    String json = Files.readString(tmp.resolve("small.report.json"));
    assertTrue(json.contains("fixed by the model"), json);

    CliCommandsTest.Run bench =
        CliCommandsTest.run("bench", m.toString(), "--runs", "2", "--warmup", "1");
    assertEquals(0, bench.code(), bench.err());
    assertTrue(bench.out().contains("timed at batch 1 (fixed by the model) only"), bench.out());
    assertEquals(
        1, bench.out().lines().filter(l -> l.matches("1\\s+1\\s+.*")).count(), bench.out());
    CliCommandsTest.Run both =
        CliCommandsTest.run(
            "bench",
            m.toString(),
            out.toString(),
            "--batches",
            "1",
            "--runs",
            "2",
            "--warmup",
            "1");
    assertEquals(0, both.code(), both.err());
    assertTrue(both.out().contains("speedup"), both.out());

    CliCommandsTest.Run eval =
        CliCommandsTest.run(
            "evaluate",
            m.toString(),
            "--data",
            images(23).toString(),
            "--against",
            out.toString(),
            "-q");
    assertEquals(0, eval.code(), eval.err());
    assertTrue(eval.out().contains("(23 images, batches of 1 fixed by the model)"), eval.out());
    assertTrue(eval.out().contains("agreement with small.onnx"), eval.out());
  }

  @Test
  void aFixedBatchOfFourEvaluatesEveryImageOnce() throws Exception {
    Path m = write(classifier(dims(4, 1, 8, 8), 4), "fixed4.onnx");
    Path free = write(classifier(dims("N", 1, 8, 8), -1), "free.onnx");
    Path data = images(23);
    CliCommandsTest.Run eval =
        CliCommandsTest.run(
            "evaluate",
            m.toString(),
            "--data",
            data.toString(),
            "--against",
            free.toString(),
            "-q");
    assertEquals(0, eval.code(), eval.err());
    assertTrue(
        eval.out().contains("(23 images, batches of 4 fixed by the model; the last 3 padded"),
        eval.out());
    // same weights: the padded, fixed-batch model predicts what the free-batch one does on all 23
    assertTrue(eval.out().contains("on 23 images: top-1 100.00%, mean KL 0.0000 nats"), eval.out());
    CliCommandsTest.Run other =
        CliCommandsTest.run("evaluate", free.toString(), "--data", data.toString(), "-q");
    String top1 = eval.out().replaceAll("(?s)^.*?(top-1 [0-9.]+%).*", "$1");
    assertTrue(other.out().contains("(23 images): " + top1), eval.out() + other.out());
  }

  /** x [N, 1, H, W] -> Conv -> GlobalAveragePool -> Flatten -> Gemm: runs at any size. */
  private static Model detector() {
    Random rnd = new Random(4);
    Graph g =
        Graph.builder()
            .addInput(new ValueInfo("img", DataType.FLOAT, dims("N", 1, "H", "W")))
            .putInitializer("w", random(rnd, 16, 1, 3, 3))
            .putInitializer("fc", random(rnd, 10, 16))
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("img", "w")
                    .outputs("c")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("GlobalAveragePool").name("gap").inputs("c").outputs("p").build())
            .addNode(Node.builder("Flatten").name("flat").inputs("p").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("f", "fc")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    return Model.of(g, 13);
  }

  @Test
  void aFreeHeightAndWidthAreTimedAtTheGivenShape() throws Exception {
    Path m = write(detector(), "det.onnx");
    CliCommandsTest.Run none =
        CliCommandsTest.run("bench", m.toString(), "--runs", "2", "--warmup", "1");
    assertEquals(ExitCodes.BAD_INPUT, none.code(), none.err());
    assertTrue(
        none.err().contains("det.onnx")
            && none.err().contains("'img' has a free height")
            && none.err().contains("--input-shape 1,1,224,224"),
        none.err());
    CliCommandsTest.Run b =
        CliCommandsTest.run(
            "bench",
            m.toString(),
            "--input-shape",
            "1,1,40,48",
            "--batches",
            "1,3",
            "--runs",
            "2",
            "--warmup",
            "1");
    assertEquals(0, b.code(), b.err());
    assertTrue(b.out().startsWith("input img [1, 1, 40, 48]\n"), b.out());
    CliCommandsTest.Run i =
        CliCommandsTest.run("inspect", m.toString(), "--input-shape", "2,1,40,48");
    assertEquals(0, i.code(), i.err());
    assertTrue(i.out().contains("input img 2x1x40x48"), i.out());
    CliCommandsTest.Run p =
        CliCommandsTest.run(
            "plan",
            m.toString(),
            "-o",
            tmp.resolve("p.json").toString(),
            "--input-shape",
            "1,2,40,48",
            "-q");
    assertEquals(ExitCodes.BAD_INPUT, p.code(), p.err());
    assertTrue(p.err().contains("fixed channels 1"), p.err());
  }

  @Test
  void unsupportedVersionsAndAbsurdShapesAreRefusedBeforeAnyWork() throws Exception {
    Model ok = classifier(dims("N", 1, 8, 8), -1);
    Path future =
        write(new Model(ok.graph(), 8, Map.of("", 999L), "test", "", "", Map.of()), "future.onnx");
    Path ir99 =
        write(new Model(ok.graph(), 99, Map.of("", 13L), "test", "", "", Map.of()), "ir99.onnx");
    Graph hugeGraph =
        ok.graph().toBuilder()
            .inputs(List.of(ValueInfo.of("x", DataType.FLOAT, 1L << 40, 1, 8, 8)))
            .build();
    Path huge = write(ok.withGraph(hugeGraph), "huge.onnx");
    Path out = tmp.resolve("never.onnx");
    for (String verb : List.of("inspect", "compress", "bench")) {
      String[] extra =
          verb.equals("compress") ? new String[] {"-o", out.toString(), "-q"} : new String[0];
      CliCommandsTest.Run f = CliCommandsTest.run(concat(verb, future, extra));
      assertEquals(ExitCodes.UNSUPPORTED, f.code(), verb + ": " + f.err());
      assertTrue(
          f.err().contains("future.onnx")
              && f.err().contains("opset 999")
              && f.err().contains("up to 26"),
          f.err());
      CliCommandsTest.Run v = CliCommandsTest.run(concat(verb, ir99, extra));
      assertEquals(ExitCodes.UNSUPPORTED, v.code(), verb + ": " + v.err());
      assertTrue(v.err().contains("ir99.onnx") && v.err().contains("IR version 99"), v.err());
      CliCommandsTest.Run h = CliCommandsTest.run(concat(verb, huge, extra));
      assertEquals(ExitCodes.BAD_INPUT, h.code(), verb + ": " + h.err());
      assertTrue(
          h.err().contains("huge.onnx")
              && h.err().contains("'x'")
              && h.err().contains("batch 1099511627776 at axis 0"),
          h.err());
      assertFalse(h.err().contains("internal error"), h.err());
    }
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(3, files.count(), "nothing written");
    }
  }

  private static String[] concat(String verb, Path model, String... extra) {
    String[] args = new String[2 + extra.length];
    args[0] = verb;
    args[1] = model.toString();
    System.arraycopy(extra, 0, args, 2, extra.length);
    return args;
  }
}
