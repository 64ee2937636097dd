package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import org.junit.jupiter.api.Test;

/** Versions ONNX Runtime cannot load are refused on reading, naming the file and the range. */
class VersionLimitsTest {
  /** A one-Relu model [2] -> [2] stamped with the given IR version and default-domain opset. */
  static byte[] relu(long irVersion, long opset) {
    TypeProto t =
        TypeProto.newBuilder()
            .setTensorType(
                TypeProto.Tensor.newBuilder()
                    .setElemType(1)
                    .setShape(
                        TensorShapeProto.newBuilder()
                            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2))))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName("g")
            .addInput(ValueInfoProto.newBuilder().setName("x").setType(t))
            .addOutput(ValueInfoProto.newBuilder().setName("y").setType(t))
            .addNode(
                NodeProto.newBuilder()
                    .setOpType("Relu")
                    .setName("relu")
                    .addInput("x")
                    .addOutput("y"))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(irVersion)
        .setGraph(g)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset))
        .build()
        .toByteArray();
  }

  @Test
  void opsetBeyondTheRuntimeIsUnsupported() throws Exception {
    OnnxUnsupportedException e =
        assertThrows(
            OnnxUnsupportedException.class, () -> OnnxReader.parse(relu(8, 999), "future.onnx"));
    assertTrue(
        e.getMessage().startsWith("future.onnx: ")
            && e.getMessage().contains("opset 999")
            && e.getMessage().contains("up to " + OnnxReader.MAX_RUNTIME_OPSET),
        e.getMessage());
    assertEquals(
        OnnxReader.MAX_RUNTIME_OPSET,
        OnnxReader.parse(relu(8, OnnxReader.MAX_RUNTIME_OPSET), "edge.onnx").opset());
  }

  @Test
  void irVersionBeyondTheRuntimeIsUnsupported() throws Exception {
    OnnxUnsupportedException e =
        assertThrows(
            OnnxUnsupportedException.class, () -> OnnxReader.parse(relu(99, 13), "ir99.onnx"));
    assertTrue(
        e.getMessage().startsWith("ir99.onnx: ")
            && e.getMessage().contains("IR version 99")
            && e.getMessage().contains("up to " + OnnxReader.MAX_IR_VERSION),
        e.getMessage());
    assertEquals(
        OnnxReader.MAX_IR_VERSION,
        OnnxReader.parse(relu(OnnxReader.MAX_IR_VERSION, 13), "ir.onnx").irVersion());
  }
}
