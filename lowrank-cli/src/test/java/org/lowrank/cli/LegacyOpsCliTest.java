package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.cli.CliCommandsTest.Run;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.LegacyOps;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;

/** inspect and compress on an opset-7 model with ImageScaler, Affine and Crop, end to end. */
class LegacyOpsCliTest {
  @TempDir Path tmp;

  /**
   * x [N, 3, 16, 16] -> ImageScaler -> Conv 16x3x3x3 -> Relu -> Conv "conv2" 16x16x3x3 of Tucker-2
   * rank (4, 4) -> Affine -> Crop -> y, at opset 7. conv2's planted rank lets the energy selector
   * factorize it exactly, so the compressed model must reproduce the original.
   */
  static Model opset7Net(long seed) {
    Random rnd = new Random(seed);
    int r = 4;
    double[] uOut = gaussian(rnd, 16 * r);
    double[] uIn = gaussian(rnd, 16 * r);
    double[] core = gaussian(rnd, r * r * 9);
    float[] w2 = new float[16 * 16 * 9];
    for (int o = 0; o < 16; o++) {
      for (int i = 0; i < 16; i++) {
        for (int k = 0; k < 9; k++) {
          double s = 0;
          for (int a = 0; a < r; a++) {
            for (int b = 0; b < r; b++) {
              s += uOut[o * r + a] * core[(a * r + b) * 9 + k] * uIn[i * r + b];
            }
          }
          w2[(o * 16 + i) * 9 + k] = (float) (0.1 * s);
        }
      }
    }
    float[] w1 = new float[16 * 3 * 9];
    for (int i = 0; i < w1.length; i++) {
      w1[i] = (float) (0.3 * rnd.nextGaussian());
    }
    Graph g =
        Graph.builder()
            .name("opset7")
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(3),
                        ValueInfo.Dim.of(16),
                        ValueInfo.Dim.of(16))))
            .putInitializer("conv1.w", TensorValue.ofFloats(new long[] {16, 3, 3, 3}, w1))
            .putInitializer("conv2.w", TensorValue.ofFloats(new long[] {16, 16, 3, 3}, w2))
            .addNode(
                Node.builder("ImageScaler")
                    .name("scaler")
                    .inputs("x")
                    .outputs("s")
                    .attr("scale", 1 / 255f)
                    .attribute(Attribute.ofFloats("bias", -0.4f, -0.5f, -0.45f))
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("conv1")
                    .inputs("s", "conv1.w")
                    .outputs("c1")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu").inputs("c1").outputs("r1").build())
            .addNode(
                Node.builder("Conv")
                    .name("conv2")
                    .inputs("r1", "conv2.w")
                    .outputs("c2")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(
                Node.builder("Affine")
                    .name("affine")
                    .inputs("c2")
                    .outputs("a")
                    .attr("alpha", 2f)
                    .attr("beta", 0.5f)
                    .build())
            .addNode(
                Node.builder("Crop")
                    .name("crop")
                    .inputs("a")
                    .outputs("y")
                    .attrInts("border", 2, 2, 2, 2)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    return Model.of(g, 7);
  }

  private static double[] gaussian(Random rnd, int n) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = rnd.nextGaussian();
    }
    return d;
  }

  @Test
  void inspectAndCompressAnOpset7ModelWithLegacyOps() throws Exception {
    Path model = tmp.resolve("legacy7.onnx");
    byte[] original = OnnxWriter.toBytes(opset7Net(7));
    Files.write(model, original);

    Run inspect = CliCommandsTest.run("inspect", model.toString());
    assertEquals(ExitCodes.OK, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains("conv2") && inspect.out().contains("tucker"), inspect.out());

    Path out = tmp.resolve("legacy7.small.onnx");
    Run c =
        CliCommandsTest.run(
            "compress",
            model.toString(),
            "-o",
            out.toString(),
            "--selector",
            "energy",
            "--method",
            "tucker",
            "--rank-multiple",
            "1",
            "--no-latency",
            "-q",
            "--threads",
            "1");
    assertEquals(ExitCodes.OK, c.code(), c.err());
    assertTrue(c.out().contains("1 of"), c.out());
    assertArrayEquals(original, Files.readAllBytes(model), "the input model is never modified");

    Model compressed = OnnxReader.read(out);
    assertFalse(compressed.graph().nodes().stream().anyMatch(LegacyOps::isLegacy));
    assertEquals(7, compressed.opset());
    float[] x = new float[2 * 3 * 16 * 16];
    Random rnd = new Random(1);
    for (int i = 0; i < x.length; i++) {
      x[i] = 255 * rnd.nextFloat();
    }
    TensorValue in = TensorValue.ofFloats(new long[] {2, 3, 16, 16}, x);
    TensorValue want;
    TensorValue got;
    try (OrtRunner a = OrtRunner.open(original, "legacy7.onnx", RuntimeOptions.singleThreaded());
        OrtRunner b = OrtRunner.open(out, RuntimeOptions.singleThreaded())) {
      want = a.run(in);
      got = b.run(in);
    }
    assertArrayEquals(new long[] {2, 16, 12, 12}, got.dims());
    float[] fw = want.toFloatArray();
    float[] fg = got.toFloatArray();
    double num = 0;
    double den = 0;
    for (int i = 0; i < fw.length; i++) {
      num += (fw[i] - fg[i]) * (double) (fw[i] - fg[i]);
      den += fw[i] * (double) fw[i];
    }
    assertTrue(
        Math.sqrt(num / den) < 1e-4,
        "relative error of the exact-rank factorization: " + Math.sqrt(num / den));
  }
}
