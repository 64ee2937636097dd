package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.Graph;
import org.lowrank.graph.LegacyOps;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;

/**
 * Models with the opset-7 experimental ops, read back through {@link OnnxReader} (which replaces
 * them), give the same outputs in ONNX Runtime as the original ops (ORT still runs them up to opset
 * 9) and as the definition computed by hand.
 */
class LegacyOpsOrtTest {
  private static final double TOL = 1e-5;
  private static final RuntimeOptions ONE_THREAD = RuntimeOptions.singleThreaded();
  private static final float SCALE = 0.5f;
  private static final float[] BIAS = {0.1f, -0.2f, 0.3f};
  private static final float ALPHA = 1.5f;
  private static final float BETA = -0.25f;
  private static final long[] BORDER = {1, 2, 3, 1}; // left, top, right, bottom

  /**
   * x [N, 3, 10, 12] -> ImageScaler -> (Conv 4x3x3x3 pad 1 when {@code conv}) -> Affine -> Crop ->
   * y.
   */
  static Model legacyNet(long opset, boolean conv, long[] cropScale, long seed) {
    Node.Builder crop =
        Node.builder("Crop").name("crop").inputs("a").outputs("y").attrInts("border", BORDER);
    if (cropScale != null) {
      crop.attrInts("scale", cropScale);
    }
    Graph.Builder g =
        Graph.builder()
            .name("legacy")
            .addInput(SyntheticModels.batched("x", 3, 10, 12))
            .addNode(
                Node.builder("ImageScaler")
                    .name("scaler")
                    .inputs("x")
                    .outputs("s")
                    .attr("scale", SCALE)
                    .attribute(Attribute.ofFloats("bias", BIAS))
                    .build());
    String affineIn = "s";
    if (conv) {
      Random rnd = new Random(seed);
      g.putInitializer("w", SyntheticModels.random(rnd, 4, 3, 3, 3))
          .putInitializer("b", SyntheticModels.random(rnd, 4))
          .addNode(
              Node.builder("Conv")
                  .name("conv")
                  .inputs("s", "w", "b")
                  .outputs("c")
                  .attrInts("kernel_shape", 3, 3)
                  .attrInts("pads", 1, 1, 1, 1)
                  .build());
      affineIn = "c";
    }
    g.addNode(
            Node.builder("Affine")
                .name("affine")
                .inputs(affineIn)
                .outputs("a")
                .attr("alpha", ALPHA)
                .attr("beta", BETA)
                .build())
        .addNode(crop.build())
        .addOutput(SyntheticModels.symbolicShape("y", 4));
    return Model.of(g.build(), opset);
  }

  /** Writes the model with its legacy ops and reads it back as every verb does. */
  private static Model readBack(Model legacy) throws Exception {
    Model read = OnnxReader.parse(OnnxWriter.toBytes(legacy), "legacy.onnx");
    assertFalse(
        read.graph().nodes().stream().anyMatch(LegacyOps::isLegacy),
        "legacy ops left after reading");
    return read;
  }

  private static TensorValue run(Model m, TensorValue x) {
    try (OrtRunner r = OrtRunner.open(m, "model", ONE_THREAD)) {
      return r.run(x);
    }
  }

  private static double maxAbsDiff(TensorValue a, TensorValue b) {
    assertArrayEquals(a.dims(), b.dims());
    float[] fa = a.toFloatArray();
    float[] fb = b.toFloatArray();
    double worst = 0;
    for (int i = 0; i < fa.length; i++) {
      worst = Math.max(worst, Math.abs(fa[i] - fb[i]));
    }
    return worst;
  }

  @ParameterizedTest(name = "opset {0}")
  @ValueSource(longs = {7, 9})
  void readBackModelMatchesTheLegacyOpsInOnnxRuntime(long opset) throws Exception {
    TensorValue x = SyntheticModels.random(new Random(3), 2, 3, 10, 12);
    for (long[] cropScale : new long[][] {null, {5, 6}}) {
      Model legacy = legacyNet(opset, true, cropScale, 11);
      TensorValue expected;
      try (OrtRunner r = OrtRunner.open(OnnxWriter.toBytes(legacy), "legacy.onnx", ONE_THREAD)) {
        expected = r.run(x);
      }
      TensorValue got = run(readBack(legacy), x);
      assertArrayEquals(
          cropScale == null ? new long[] {2, 4, 7, 8} : new long[] {2, 4, 5, 6}, got.dims());
      assertEquals(0, maxAbsDiff(expected, got), TOL);
    }
  }

  /** Opset 13 has no Crop kernel in ONNX Runtime: compare with the definition instead. */
  @ParameterizedTest(name = "opset {0}")
  @ValueSource(longs = {7, 13})
  void readBackModelMatchesTheDefinition(long opset) throws Exception {
    TensorValue x = SyntheticModels.random(new Random(5), 2, 3, 10, 12);
    long[] cropScale = {5, 6};
    TensorValue got = run(readBack(legacyNet(opset, false, cropScale, 0)), x);
    float[] in = x.toFloatArray();
    long top = BORDER[1];
    long left = BORDER[0];
    float[] want = new float[2 * 3 * 5 * 6];
    int k = 0;
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 3; c++) {
        for (long i = 0; i < cropScale[0]; i++) {
          for (long j = 0; j < cropScale[1]; j++) {
            float v = in[(int) (((n * 3 + c) * 10 + i + top) * 12 + j + left)];
            want[k++] = ALPHA * (SCALE * v + BIAS[c]) + BETA;
          }
        }
      }
    }
    assertEquals(0, maxAbsDiff(TensorValue.ofFloats(new long[] {2, 3, 5, 6}, want), got), TOL);
  }
}
