package org.lowrank.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.exec.GraphExecutor;

class DemoModelsTest {

  private static TensorValue images(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n * 28 * 28];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return TensorValue.ofFloats(new long[] {n, 1, 28, 28}, v);
  }

  /**
   * Runs the model in ORT (from its serialized bytes) and in the executor; returns the ORT logits.
   */
  private static float[] ortMatchesExecutor(Model m, int batch) throws Exception {
    Model reread = OnnxReader.parse(OnnxWriter.toBytes(m), m.graph().name());
    TensorValue x = images(batch, 7);
    TensorValue ort;
    try (OrtRunner runner =
        OrtRunner.open(reread, m.graph().name(), RuntimeOptions.singleThreaded())) {
      assertEquals(List.of(DemoModels.INPUT), runner.inputNames());
      assertEquals(List.of(DemoModels.OUTPUT), runner.outputNames());
      ort = runner.run(x);
    }
    TensorValue djl;
    try (GraphExecutor ex = GraphExecutor.of(reread)) {
      djl = ex.run(Map.of(DemoModels.INPUT, x), List.of()).get(DemoModels.OUTPUT);
    }
    assertArrayEquals(new long[] {batch, 10}, ort.dims());
    assertArrayEquals(new long[] {batch, 10}, djl.dims());
    float[] a = ort.toFloatArray();
    float[] b = djl.toFloatArray();
    double maxAbs = 0;
    for (float v : a) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    assertTrue(maxAbs > 0.1, "logits are not degenerate: max |logit| " + maxAbs);
    assertArrayEquals(a, b, 1e-4f, m.graph().name() + ": ORT vs executor");
    return a;
  }

  @Test
  void fashionCnnRunsIdenticallyInOrtAndExecutorAtAnyBatch() throws Exception {
    Model m = DemoModels.fashionCnn(1);
    assertEquals(DemoModels.OPSET, m.opset());
    ValueInfo in = m.graph().runtimeInputs().get(0);
    assertFalse(in.shape().get(0).isKnown(), "symbolic batch dimension");
    float[] batch4 = ortMatchesExecutor(m, 4);
    float[] batch1 = ortMatchesExecutor(m, 1);
    // the first image gives the same logits whatever the batch size
    for (int j = 0; j < 10; j++) {
      assertEquals(batch4[j], batch1[j], 1e-4f);
    }
  }

  @Test
  void vggStyleRunsIdenticallyInOrtAndExecutor() throws Exception {
    ortMatchesExecutor(DemoModels.vggStyle(2), 3);
  }

  @Test
  void sizesMatchTheDocumentedCounts() {
    ModelProfile cnn = ModelProfile.of(DemoModels.fashionCnn(0));
    assertEquals(861_386, cnn.totalParams());
    assertEquals(6_450_176, cnn.totalMacs());
    assertEquals(803_072, cnn.layer("fc1").orElseThrow().params());
    assertEquals(5, cnn.layers().size());
    ModelProfile vgg = ModelProfile.of(DemoModels.vggStyle(0));
    assertEquals(1_938_922, vgg.totalParams());
    assertEquals(20_162_048, vgg.totalMacs());
    assertEquals(7, vgg.layers().size());
  }

  @Test
  void weightsAreSeededAndHeScaled() {
    Model a = DemoModels.fashionCnn(3);
    Model b = DemoModels.fashionCnn(3);
    Model c = DemoModels.fashionCnn(4);
    float[] wa = a.graph().initializers().get("conv2.weight").toFloatArray();
    assertArrayEquals(wa, b.graph().initializers().get("conv2.weight").toFloatArray());
    assertFalse(
        java.util.Arrays.equals(wa, c.graph().initializers().get("conv2.weight").toFloatArray()));
    // He-normal: variance 2 / fan_in with fan_in = 32 * 3 * 3
    double sq = 0;
    for (float v : wa) {
      sq += v * v;
    }
    assertEquals(2.0 / 288, sq / wa.length, 0.1 * 2.0 / 288);
    for (float v : a.graph().initializers().get("fc1.bias").toFloatArray()) {
      assertEquals(0f, v);
    }
  }
}
