package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

class OnnxRoundTripTest {

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"resnet20_cifar10", "resnet56_cifar10"})
  void realModelsRoundTripLosslessly(String name) throws IOException {
    Path in = TestModels.realModel(name);
    Model a = OnnxReader.read(in);
    assertTrue(a.graph().nodes().size() > 20, "nodes read");
    assertTrue(a.graph().nodes().stream().anyMatch(n -> n.opType().equals("Conv")));
    Path out = tmp.resolve(name + ".onnx");
    OnnxWriter.write(a, out, in);
    Model b = OnnxReader.read(out);
    TestModels.assertSameModel(a, b);
    assertEquals("lowrank", b.producerName());
    // the written bytes are a fixed point: writing again gives the same file
    assertArrayEquals(Files.readAllBytes(out), OnnxWriter.toBytes(b));

    // weights compared against the original protobuf directly, not through our reader
    ModelProto orig = ModelProto.parseFrom(Files.readAllBytes(in));
    for (TensorProto t : orig.getGraph().getInitializerList()) {
      TensorValue v = b.graph().initializer(t.getName()).orElseThrow();
      if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && t.hasRawData()) {
        float[] f = new float[(int) v.elementCount()];
        t.getRawData()
            .asReadOnlyByteBuffer()
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer()
            .get(f);
        assertArrayEquals(TestModels.rawBits(f), TestModels.rawBits(v.toFloatArray()), t.getName());
      }
    }
    assertEquals(orig.getGraph().getNodeCount(), b.graph().nodes().size());
    // nodes, inputs and outputs are the very same protobuf messages as in the original file
    ModelProto written = ModelProto.parseFrom(Files.readAllBytes(out));
    assertEquals(orig.getGraph().getNodeList(), written.getGraph().getNodeList());
    assertEquals(orig.getGraph().getInputList(), written.getGraph().getInputList());
    assertEquals(orig.getGraph().getOutputList(), written.getGraph().getOutputList());
    assertEquals(orig.getOpsetImportList(), written.getOpsetImportList());
    assertEquals(orig.getIrVersion(), written.getIrVersion());
    // the weights too: same names, types, dims and raw bytes
    assertEquals(orig.getGraph().getInitializerList(), written.getGraph().getInitializerList());
  }

  @Test
  void syntheticModelRoundTripsWithEveryFeature() throws IOException {
    Model a = TestModels.synthetic(7);
    byte[] bytes = OnnxWriter.toBytes(a);
    Model b = OnnxReader.parse(bytes, "synthetic");
    TestModels.assertSameModel(a, b);
    assertArrayEquals(bytes, OnnxWriter.toBytes(b), "idempotent serialization");
    Node iff = b.graph().node("branch").orElseThrow();
    assertEquals("Neg", iff.attributes().get("else_branch").asGraph().nodes().get(0).opType());
    assertEquals(List.of("a", "βγ"), iff.attributes().get("tags").asStrings());
    float[] half = b.graph().initializer("conv.b").orElseThrow().toFloatArray();
    assertEquals(65504f, half[4]);
    assertEquals(5.9604645e-8f, half[6]);
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(half[1]));
    assertEquals(255L, b.graph().initializer("u8").orElseThrow().longAt(2));
  }

  @ParameterizedTest
  @ValueSource(longs = {7, 11, 13, 17, 21})
  void syntheticLayerZooRoundTripsAndProfilesIdentically(long opset) throws IOException {
    java.util.Random rnd = new java.util.Random(opset);
    org.lowrank.graph.Graph g =
        org.lowrank.graph.Graph.builder()
            .addInput(
                org.lowrank.graph.ValueInfo.of("seq", org.lowrank.graph.DataType.FLOAT, 1, 8, 40))
            .addInput(
                org.lowrank.graph.ValueInfo.of(
                    "vol", org.lowrank.graph.DataType.FLOAT, 1, 4, 6, 6, 6))
            .addInput(
                org.lowrank.graph.ValueInfo.of(
                    "img", org.lowrank.graph.DataType.FLOAT, 1, 16, 12, 12))
            .putInitializer("w1d", TestModels.randomFloats(rnd, 32, 8, 5))
            .putInitializer("w3d", TestModels.randomFloats(rnd, 8, 4, 3, 3, 3))
            .putInitializer("wg", TestModels.randomFloats(rnd, 32, 4, 3, 3))
            .putInitializer("fc", TestModels.randomFloats(rnd, 24, 32))
            .putInitializer("fcb", TestModels.randomFloats(rnd, 24))
            .addNode(
                Node.builder("Conv")
                    .name("conv1d")
                    .inputs("seq", "w1d")
                    .outputs("a")
                    .attrInts("strides", 2)
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("conv3d")
                    .inputs("vol", "w3d")
                    .outputs("b")
                    .attrInts("pads", 1, 1, 1, 1, 1, 1)
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("grouped")
                    .inputs("img", "wg")
                    .outputs("c")
                    .attr("group", 4L)
                    .build())
            .addNode(
                Node.builder("GlobalAveragePool").name("gap").inputs("c").outputs("cp").build())
            .addNode(Node.builder("Flatten").name("flat").inputs("cp").outputs("f").build())
            .addNode(
                Node.builder("Gemm")
                    .name("gemm")
                    .inputs("f", "fc", "fcb")
                    .outputs("g")
                    .attr("transB", 1L)
                    .build())
            .addNode(
                Node.builder("Constant")
                    .name("mmw")
                    .outputs("mw")
                    .attribute(
                        org.lowrank.graph.Attribute.of(
                            "value", TestModels.randomFloats(rnd, 24, 12)))
                    .build())
            .addNode(Node.builder("MatMul").name("matmul").inputs("g", "mw").outputs("h").build())
            .addOutput(new org.lowrank.graph.ValueInfo("a", org.lowrank.graph.DataType.FLOAT, null))
            .addOutput(new org.lowrank.graph.ValueInfo("b", org.lowrank.graph.DataType.FLOAT, null))
            .addOutput(new org.lowrank.graph.ValueInfo("h", org.lowrank.graph.DataType.FLOAT, null))
            .build();
    Model a = Model.of(g, opset);
    Model b = OnnxReader.parse(OnnxWriter.toBytes(a), "zoo-opset" + opset);
    TestModels.assertSameModel(a, b);
    org.lowrank.analysis.ModelProfile pa = org.lowrank.analysis.ModelProfile.of(a);
    org.lowrank.analysis.ModelProfile pb = org.lowrank.analysis.ModelProfile.of(b);
    assertEquals(pa.totalMacs(), pb.totalMacs());
    assertEquals(
        List.of("conv1d", "conv3d", "grouped", "gemm", "matmul"),
        pb.layers().stream().map(org.lowrank.analysis.LayerProfile::name).toList());
    assertEquals(
        List.of("conv1d", "conv3d", "conv2d-grouped", "dense", "dense"),
        pb.layers().stream().map(org.lowrank.analysis.LayerProfile::kind).toList());
    assertEquals(
        32L * 8 * 5 * 18 + 8L * 4 * 27 * 216 + 32L * 4 * 9 * 100 + 24 * 32 + 24 * 12,
        pb.totalMacs());
  }

  @Test
  void writeIsAtomicAndRefusesToOverwriteTheInput() throws IOException {
    Path in = tmp.resolve("in.onnx");
    Files.write(in, OnnxWriter.toBytes(TestModels.synthetic(1)));
    Model m = OnnxReader.read(in);
    IOException e = assertThrows(IOException.class, () -> OnnxWriter.write(m, in));
    assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
    // same file through another spelling of the path
    Path other = tmp.resolve("sub").resolve("..").resolve("in.onnx");
    Files.createDirectories(tmp.resolve("sub"));
    assertThrows(IOException.class, () -> OnnxWriter.write(m, other));
    // explicit input path, model not read from a file
    Model fresh = TestModels.synthetic(1);
    assertThrows(IOException.class, () -> OnnxWriter.write(fresh, in, in));
    // a different target works, replaces an existing file, leaves no temp files
    Path out = tmp.resolve("out.onnx");
    Files.writeString(out, "old");
    OnnxWriter.write(m, out, in);
    TestModels.assertSameModel(m, OnnxReader.read(out));
    try (Stream<Path> s = Files.list(tmp)) {
      assertFalse(
          s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temp file left behind");
    }
  }

  @Test
  void testDataSetTensorsRead() throws IOException {
    Path model = TestModels.realModel("resnet20_cifar10");
    Path dir = model.getParent().resolve("test_data_set_0");
    TensorValue in = OnnxTensors.read(dir.resolve("input_0.pb"));
    TensorValue out = OnnxTensors.read(dir.resolve("output_0.pb"));
    assertArrayEquals(new long[] {16, 3, 32, 32}, in.dims());
    assertArrayEquals(new long[] {16, 10}, out.dims());
    Path copy = tmp.resolve("t.pb");
    OnnxTensors.write(in, "input", copy);
    OnnxTensors.NamedTensor back = OnnxTensors.readNamed(copy);
    assertEquals("input", back.name());
    TestModels.assertSameTensor(in, back.value(), "input");
  }
}
