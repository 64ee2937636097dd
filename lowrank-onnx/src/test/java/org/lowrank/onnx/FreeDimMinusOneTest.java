package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.ShapeInference;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/** Older exporters (paddle2onnx, as in PP-OCRv3) write a free dimension as dim_value -1. */
class FreeDimMinusOneTest {

  /**
   * x [?, 3, ?, ?] -> Conv 4x3x3x3 -> y, with the input's free dims written as {@code dimValue}.
   */
  private static byte[] convWithInputDims(long dimValue) {
    Graph g =
        Graph.builder()
            .name("m")
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 8, 8))
            .putInitializer("w", TensorValue.ofFloats(new long[] {4, 3, 3, 3}, new float[108]))
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("x", "w")
                    .outputs("y")
                    .attrInts("kernel_shape", 3, 3)
                    .build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    ModelProto.Builder p = OnnxWriter.toProto(Model.of(g, 11)).toBuilder();
    TensorShapeProto.Builder shape =
        p.getGraphBuilder()
            .getInputBuilder(0)
            .getTypeBuilder()
            .getTensorTypeBuilder()
            .getShapeBuilder();
    for (int axis : new int[] {0, 2, 3}) {
      shape.setDim(axis, TensorShapeProto.Dimension.newBuilder().setDimValue(dimValue));
    }
    return p.build().toByteArray();
  }

  @Test
  void minusOneIsReadAsAnUnknownDimension() throws Exception {
    Model m = OnnxReader.parse(convWithInputDims(-1), "ppocr-like.onnx");
    ValueInfo x = m.graph().inputs().get(0);
    assertFalse(x.isFullyKnown());
    assertArrayEquals(new long[] {-1, 3, -1, -1}, x.dims());
    assertArrayEquals(
        new long[] {1, 4, 30, 38}, ShapeInference.infer(m, new long[] {1, 3, 32, 40}).require("y"));
  }

  @Test
  void otherNegativeDimensionsAreStillRejected() {
    OnnxFormatException e =
        assertThrows(
            OnnxFormatException.class, () -> OnnxReader.parse(convWithInputDims(-2), "bad.onnx"));
    assertTrue(
        e.getMessage().contains("bad.onnx") && e.getMessage().contains("negative dimension -2"),
        e.getMessage());
  }
}
