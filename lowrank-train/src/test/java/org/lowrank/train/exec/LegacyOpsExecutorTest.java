package org.lowrank.train.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.TrainTestData;

/**
 * An opset-7 style-transfer block (ImageScaler, Conv, InstanceNormalization, Upsample, Affine,
 * Crop) read through {@link OnnxReader} runs in the executor and matches the original legacy model
 * in ONNX Runtime.
 */
class LegacyOpsExecutorTest {

  @Test
  void opset7StyleBlockMatchesOnnxRuntime() throws Exception {
    Random rnd = new Random(4);
    Graph g =
        Graph.builder()
            .name("style7")
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 3, 12, 10))
            .putInitializer("w", ExecutorOpsTest.random(rnd, 6, 3, 3, 3))
            .putInitializer("b", ExecutorOpsTest.random(rnd, 6))
            .putInitializer("gamma", ExecutorOpsTest.positive(rnd, 6))
            .putInitializer("beta", ExecutorOpsTest.random(rnd, 6))
            .addNode(
                Node.builder("ImageScaler")
                    .name("scaler")
                    .inputs("x")
                    .outputs("s")
                    .attr("scale", 0.25f)
                    .attribute(Attribute.ofFloats("bias", 1f, -1f, 0.5f))
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("s", "w", "b")
                    .outputs("c")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(
                Node.builder("InstanceNormalization")
                    .name("in")
                    .inputs("c", "gamma", "beta")
                    .outputs("n")
                    .attr("epsilon", 1e-5f)
                    .build())
            .addNode(
                Node.builder("Upsample")
                    .name("up")
                    .inputs("n")
                    .outputs("u")
                    .attr("mode", "nearest")
                    .attribute(Attribute.ofFloats("scales", 1f, 1f, 2f, 2f))
                    .build())
            .addNode(
                Node.builder("Affine")
                    .name("affine")
                    .inputs("u")
                    .outputs("a")
                    .attr("alpha", 0.5f)
                    .attr("beta", 0.1f)
                    .build())
            .addNode(
                Node.builder("Crop")
                    .name("crop")
                    .inputs("a")
                    .outputs("y")
                    .attrInts("border", 2, 1, 0, 3)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    byte[] legacy = OnnxWriter.toBytes(Model.of(g, 7));
    TensorValue x = ExecutorOpsTest.random(new Random(5), 2, 3, 12, 10);
    TensorValue want;
    try (OrtRunner ort = OrtRunner.open(legacy, "style7", RuntimeOptions.singleThreaded())) {
      want = ort.run(x);
    }
    try (GraphExecutor ex = GraphExecutor.of(OnnxReader.parse(legacy, "style7"))) {
      TensorValue got = ex.run(Map.of("x", x), Set.of()).get("y");
      assertArrayEquals(new long[] {2, 6, 20, 18}, got.dims());
      assertArrayEquals(want.dims(), got.dims());
      double d = TrainTestData.maxAbsDiff(want.toFloatArray(), got.toFloatArray());
      assertTrue(d < 1e-4, "max diff " + d);
    }
  }
}
