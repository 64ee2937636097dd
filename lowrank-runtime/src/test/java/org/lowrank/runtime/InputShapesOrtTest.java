package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;

/**
 * Whole models are timed and checked in ONNX Runtime at the resolved input shapes: a free height
 * and width as given, a fixed batch as fixed; and the reader's version limits are the runtime's.
 */
class InputShapesOrtTest {
  private static final LatencyBenchmark.Settings FAST = new LatencyBenchmark.Settings(1, 2, 1, 3L);

  /**
   * x [batch, 2, h, w] -> Conv 3x3 same -> Reshape [-1, 3*20*24]: runs only at h x w = 20 x 24, so
   * a run proves the input shape it was fed.
   */
  private static Model reshapedConv(List<ValueInfo.Dim> inputShape) {
    Graph g =
        Graph.builder()
            .addInput(new ValueInfo("x", DataType.FLOAT, inputShape))
            .putInitializer("w", SyntheticModels.random(new Random(1), 3, 2, 3, 3))
            .putInitializer("s", TensorValue.ofLongs(new long[] {2}, new long[] {-1, 3 * 20 * 24}))
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("x", "w")
                    .outputs("c")
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Reshape").name("flat").inputs("c", "s").outputs("y").build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    return Model.of(g, SyntheticModels.OPSET);
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

  @Test
  void freeHeightAndWidthAreTimedAndCheckedAtTheGivenShape() {
    byte[] bytes = OnnxWriter.toBytes(reshapedConv(dims("N", 2, "H", "W")));
    try (OrtRunner r = OrtRunner.open(bytes, "det.onnx", RuntimeOptions.singleThreaded())) {
      InputShapes shapes = r.inputShapes(Map.of("x", new long[] {1, 2, 20, 24}));
      assertArrayEquals(
          new long[] {4, 2, 20, 24}, r.randomInputs(shapes.atBatch(4), 1L).get("x").dims());
      assertThrows(
          IllegalArgumentException.class,
          () -> r.randomInputs(4, 1L),
          "every free dimension taken as the batch was the bug: H = W = 4");
      LatencyResult one = LatencyBenchmark.measure(r, shapes, 2, FAST);
      assertEquals(2, one.batchSize());
    }
    InputShapes shapes =
        InputShapes.resolve(
            "det.onnx",
            reshapedConv(dims("N", 2, "H", "W")).graph().runtimeInputs(),
            Map.of("x", new long[] {1, 2, 20, 24}));
    LatencyComparison c =
        LatencyBenchmark.compare("det", bytes, bytes, 1.0, shapes, new int[] {1, 3}, FAST);
    assertEquals(List.of(1, 3), c.rows().stream().map(LatencyComparison.Row::batchSize).toList());
    assertEquals(
        0.0,
        ExportCheck.compare(bytes, bytes, shapes, 2, 5L, RuntimeOptions.singleThreaded())
            .maxAbsDifference());
  }

  @Test
  void aFixedBatchIsTimedAtThatBatchOnly() {
    Model m = reshapedConv(dims(1, 2, 20, 24));
    byte[] bytes = OnnxWriter.toBytes(m);
    InputShapes shapes = InputShapes.resolve("fixed.onnx", m.graph().runtimeInputs(), Map.of());
    int[] batches = shapes.batches(1, 32);
    assertArrayEquals(new int[] {1}, batches);
    LatencyComparison c =
        LatencyBenchmark.compare("fixed", bytes, bytes, 1.0, shapes, batches, FAST);
    assertEquals(1, c.rows().get(0).batchSize());
    assertEquals(
        1, LatencyBenchmark.measure(bytes, 1, FAST).batchSize(), "batch 1 of a batch-1 model");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LatencyBenchmark.compare(
                    "fixed", bytes, bytes, 1.0, shapes, new int[] {1, 32}, FAST));
    assertTrue(
        e.getMessage().contains("fixed at 1") && e.getMessage().contains("batch 32"),
        e.getMessage());
  }

  private static byte[] relu(long irVersion, long opset) {
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 2))
            .addNode(Node.builder("Relu").name("relu").inputs("x").outputs("y").build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, 2))
            .build();
    return OnnxWriter.toBytes(new Model(g, irVersion, Map.of("", opset), "test", "", "", Map.of()));
  }

  @Test
  void theReadersVersionLimitsAreOnnxRuntimes() {
    long ir = OnnxReader.MAX_IR_VERSION;
    long opset = OnnxReader.MAX_RUNTIME_OPSET;
    try (OrtRunner r = OrtRunner.open(relu(ir, opset), "edge", RuntimeOptions.singleThreaded())) {
      assertEquals(List.of("y"), r.outputNames());
    }
    assertThrows(
        OrtRunException.class,
        () -> OrtRunner.open(relu(ir + 1, 13), "ir", RuntimeOptions.singleThreaded()));
    assertThrows(
        OrtRunException.class,
        () -> OrtRunner.open(relu(8, opset + 1), "op", RuntimeOptions.singleThreaded()));
  }
}
