package org.lowrank.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.UnsupportedModelException;
import org.lowrank.graph.ValueInfo;

class ShapeInferenceTest {

  /** Shape of the single output of {@code node} applied to input x of shape {@code xShape}. */
  private static long[] out(Node node, long[] xShape, Map<String, TensorValue> inits, long opset) {
    Graph.Builder b =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, xShape))
            .addNode(node)
            .addOutput(new ValueInfo(node.output(0), DataType.FLOAT, null));
    inits.forEach(b::putInitializer);
    return ShapeInference.infer(Model.of(b.build(), opset)).require(node.output(0));
  }

  private static long[] conv(long[] x, long[] w, Node.Builder nb) {
    return out(
        nb.inputs("x", "w").outputs("y").build(),
        x,
        Map.of("w", TensorValue.ofFloats(w, new float[(int) TensorValue.elementCount(w)])),
        13);
  }

  @Test
  void convPadsStridesDilationsGroupsAutoPad() {
    long[] x = {1, 8, 15, 15};
    assertArrayEquals(
        new long[] {1, 16, 15, 15},
        conv(x, new long[] {16, 8, 3, 3}, Node.builder("Conv").attrInts("pads", 1, 1, 1, 1)));
    assertArrayEquals(
        new long[] {1, 16, 8, 8},
        conv(
            x,
            new long[] {16, 8, 3, 3},
            Node.builder("Conv").attrInts("pads", 1, 1, 1, 1).attrInts("strides", 2, 2)));
    // dilation 2: effective kernel 5 -> 15 - 5 + 1 = 11
    assertArrayEquals(
        new long[] {1, 16, 11, 11},
        conv(x, new long[] {16, 8, 3, 3}, Node.builder("Conv").attrInts("dilations", 2, 2)));
    // asymmetric pads: (15 + 0 + 2 - 3) / 2 + 1 = 8, (15 + 1 + 0 - 3)/1 + 1 = 14
    assertArrayEquals(
        new long[] {1, 16, 8, 14},
        conv(
            x,
            new long[] {16, 8, 3, 3},
            Node.builder("Conv").attrInts("pads", 0, 1, 2, 0).attrInts("strides", 2, 1)));
    assertArrayEquals(
        new long[] {1, 16, 8, 8},
        conv(
            x,
            new long[] {16, 8, 3, 3},
            Node.builder("Conv").attr("auto_pad", "SAME_UPPER").attrInts("strides", 2, 2)));
    assertArrayEquals(
        new long[] {1, 16, 8, 8},
        conv(
            x,
            new long[] {16, 8, 3, 3},
            Node.builder("Conv").attr("auto_pad", "SAME_LOWER").attrInts("strides", 2, 2)));
    assertArrayEquals(
        new long[] {1, 16, 7, 7},
        conv(
            x,
            new long[] {16, 8, 3, 3},
            Node.builder("Conv").attr("auto_pad", "VALID").attrInts("strides", 2, 2)));
    // grouped and depthwise
    assertArrayEquals(
        new long[] {1, 16, 13, 13},
        conv(x, new long[] {16, 2, 3, 3}, Node.builder("Conv").attr("group", 4L)));
    assertArrayEquals(
        new long[] {1, 8, 13, 13},
        conv(x, new long[] {8, 1, 3, 3}, Node.builder("Conv").attr("group", 8L)));
    // 1D and 3D
    assertArrayEquals(
        new long[] {2, 6, 48},
        conv(
            new long[] {2, 4, 100},
            new long[] {6, 4, 5},
            Node.builder("Conv").attrInts("strides", 2)));
    assertArrayEquals(
        new long[] {1, 4, 6, 6, 6},
        conv(new long[] {1, 2, 8, 8, 8}, new long[] {4, 2, 3, 3, 3}, Node.builder("Conv")));
    ModelException e =
        assertThrows(
            ModelException.class,
            () -> conv(x, new long[] {16, 3, 3, 3}, Node.builder("Conv").name("bad")));
    assertTrue(
        e.getMessage().contains("bad") && e.getMessage().contains("8 channels"), e.getMessage());
  }

  @Test
  void convTransposeGemmMatMul() {
    long[] y =
        out(
            Node.builder("ConvTranspose")
                .inputs("x", "w")
                .outputs("y")
                .attrInts("strides", 2, 2)
                .attrInts("pads", 1, 1, 1, 1)
                .attrInts("output_padding", 1, 1)
                .build(),
            new long[] {1, 8, 7, 7},
            Map.of("w", TestGraphs.random(1, 8, 4, 3, 3)),
            13);
    assertArrayEquals(new long[] {1, 4, 14, 14}, y); // 2*6 + 1 + 3 - 2
    assertArrayEquals(
        new long[] {1, 10},
        out(
            Node.builder("Gemm").inputs("x", "w").outputs("y").attr("transB", 1L).build(),
            new long[] {1, 64},
            Map.of("w", TestGraphs.random(1, 10, 64)),
            13));
    assertArrayEquals(
        new long[] {5, 10},
        out(
            Node.builder("Gemm").inputs("x", "w").outputs("y").attr("transA", 1L).build(),
            new long[] {64, 5},
            Map.of("w", TestGraphs.random(1, 64, 10)),
            13));
    assertArrayEquals(
        new long[] {2, 7, 10},
        out(
            Node.builder("MatMul").inputs("x", "w").outputs("y").build(),
            new long[] {2, 7, 64},
            Map.of("w", TestGraphs.random(1, 64, 10)),
            13));
    assertArrayEquals(
        new long[] {3, 2, 7, 5},
        out(
            Node.builder("MatMul").inputs("x", "w").outputs("y").build(),
            new long[] {1, 2, 7, 4},
            Map.of("w", TestGraphs.random(1, 3, 1, 4, 5)),
            13));
    assertArrayEquals(
        new long[] {7},
        out(
            Node.builder("MatMul").inputs("x", "w").outputs("y").build(),
            new long[] {7, 4},
            Map.of("w", TestGraphs.random(1, 4)),
            13));
    assertThrows(
        ModelException.class,
        () ->
            out(
                Node.builder("MatMul").inputs("x", "w").outputs("y").build(),
                new long[] {7, 4},
                Map.of("w", TestGraphs.random(1, 5, 3)),
                13));
  }

  @Test
  void poolingFlattenReshapeConcatPad() {
    long[] x = {1, 3, 32, 32};
    assertArrayEquals(
        new long[] {1, 3, 16, 16},
        out(
            Node.builder("MaxPool")
                .inputs("x")
                .outputs("y")
                .attrInts("kernel_shape", 2, 2)
                .attrInts("strides", 2, 2)
                .build(),
            x,
            Map.of(),
            13));
    // 32 -> floor((32 - 3)/2) + 1 = 15, ceil -> 16
    assertArrayEquals(
        new long[] {1, 3, 15, 15},
        out(
            Node.builder("AveragePool")
                .inputs("x")
                .outputs("y")
                .attrInts("kernel_shape", 3, 3)
                .attrInts("strides", 2, 2)
                .build(),
            x,
            Map.of(),
            13));
    assertArrayEquals(
        new long[] {1, 3, 16, 16},
        out(
            Node.builder("AveragePool")
                .inputs("x")
                .outputs("y")
                .attrInts("kernel_shape", 3, 3)
                .attrInts("strides", 2, 2)
                .attr("ceil_mode", 1L)
                .build(),
            x,
            Map.of(),
            13));
    // ceil_mode must not start a window in the right padding: 5 with k=2, s=2, pad 1 left -> 3 (not
    // 4)
    assertArrayEquals(
        new long[] {1, 1, 3},
        out(
            Node.builder("MaxPool")
                .inputs("x")
                .outputs("y")
                .attrInts("kernel_shape", 2)
                .attrInts("strides", 2)
                .attrInts("pads", 1, 1)
                .attr("ceil_mode", 1L)
                .build(),
            new long[] {1, 1, 5},
            Map.of(),
            13));
    assertArrayEquals(
        new long[] {1, 3, 1, 1},
        out(Node.builder("GlobalAveragePool").inputs("x").outputs("y").build(), x, Map.of(), 13));
    assertArrayEquals(
        new long[] {3, 1024},
        out(
            Node.builder("Flatten").inputs("x").outputs("y").attr("axis", -2L).build(),
            x,
            Map.of(),
            13));
    assertArrayEquals(
        new long[] {1, 3, 1024},
        out(
            Node.builder("Reshape").inputs("x", "s").outputs("y").build(),
            x,
            Map.of("s", TestGraphs.longs(0, 0, -1)),
            13));
    assertArrayEquals(
        new long[] {1, 6, 32, 32},
        out(
            Node.builder("Concat").inputs("x", "x").outputs("y").attr("axis", 1L).build(),
            x,
            Map.of(),
            13));
    assertArrayEquals(
        new long[] {1, 5, 34, 32},
        out(
            Node.builder("Pad").inputs("x", "p").outputs("y").build(),
            x,
            Map.of("p", TestGraphs.longs(0, 1, 2, 0, 0, 1, 0, 0)),
            13));
    assertArrayEquals(
        new long[] {1, 5, 34, 32},
        out(
            Node.builder("Pad")
                .inputs("x")
                .outputs("y")
                .attrInts("pads", 0, 1, 2, 0, 0, 1, 0, 0)
                .build(),
            x,
            Map.of(),
            9));
  }

  @Test
  void sliceSqueezeUnsqueezeBothForms() {
    long[] x = {1, 16, 32, 32};
    // ResNet option-A shortcut: x[:, :, ::2, ::2]
    assertArrayEquals(
        new long[] {1, 16, 16, 16},
        out(
            Node.builder("Slice").inputs("x", "s", "e", "a", "st").outputs("y").build(),
            x,
            Map.of(
                "s",
                TestGraphs.longs(0, 0),
                "e",
                TestGraphs.longs(Long.MAX_VALUE, Long.MAX_VALUE),
                "a",
                TestGraphs.longs(2, 3),
                "st",
                TestGraphs.longs(2, 2)),
            13));
    assertArrayEquals(
        new long[] {1, 4, 32, 30},
        out(
            Node.builder("Slice")
                .inputs("x")
                .outputs("y")
                .attrInts("starts", 2, 1)
                .attrInts("ends", 6, -1)
                .attrInts("axes", 1, 3)
                .build(),
            x,
            Map.of(),
            9));
    assertArrayEquals(
        new long[] {16, 32, 32},
        out(
            Node.builder("Squeeze").inputs("x", "a").outputs("y").build(),
            x,
            Map.of("a", TestGraphs.longs(0)),
            13));
    assertArrayEquals(
        new long[] {16, 32, 32},
        out(Node.builder("Squeeze").inputs("x").outputs("y").build(), x, Map.of(), 11));
    assertArrayEquals(
        new long[] {1, 16, 32, 32, 1},
        out(
            Node.builder("Unsqueeze").inputs("x").outputs("y").attrInts("axes", -1).build(),
            x,
            Map.of(),
            11));
    assertArrayEquals(
        new long[] {32, 32, 16, 1},
        out(Node.builder("Transpose").inputs("x").outputs("y").build(), x, Map.of(), 13));
  }

  @Test
  void shapeArithmeticChainsResolveToConstants() {
    // y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))  (PyTorch's x.view(x.size(0),
    // -1))
    Graph g =
        Graph.builder()
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(4),
                        ValueInfo.Dim.of(2),
                        ValueInfo.Dim.of(2))))
            .putInitializer("zero", TensorValue.ofLongs(new long[0], new long[] {0}))
            .putInitializer("axes", TestGraphs.longs(0))
            .putInitializer("minus1", TestGraphs.longs(-1))
            .addNode(Node.builder("Shape").name("shape").inputs("x").outputs("s").build())
            .addNode(Node.builder("Gather").name("gather").inputs("s", "zero").outputs("n").build())
            .addNode(
                Node.builder("Unsqueeze").name("unsq").inputs("n", "axes").outputs("n1").build())
            .addNode(
                Node.builder("Concat")
                    .name("cat")
                    .inputs("n1", "minus1")
                    .outputs("shape2")
                    .attr("axis", 0L)
                    .build())
            .addNode(
                Node.builder("Reshape").name("reshape").inputs("x", "shape2").outputs("y").build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    Model m = Model.of(g, 13);
    InferredShapes s = ShapeInference.infer(m);
    assertArrayEquals(new long[] {1, 16}, s.require("y"));
    assertArrayEquals(new long[] {1, -1}, s.value("shape2").orElseThrow().toLongArray());
    assertEquals(DataType.INT64, s.type("s").orElseThrow());
    assertArrayEquals(
        new long[] {8, 16}, ShapeInference.infer(m, new long[] {8, 4, 2, 2}).require("y"));
    assertThrows(ModelException.class, () -> ShapeInference.infer(m, new long[] {8, 4}));
  }

  @Test
  void symbolicNonBatchDimensionAndUnknownOpAreClearErrors() {
    Graph g =
        Graph.builder()
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.of(1),
                        ValueInfo.Dim.of(3),
                        ValueInfo.Dim.symbolic("H"),
                        ValueInfo.Dim.symbolic("W"))))
            .addNode(Node.builder("FancyOp").name("mystery").inputs("x").outputs("y").build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    ModelException e =
        assertThrows(ModelException.class, () -> ShapeInference.infer(Model.of(g, 13)));
    assertTrue(
        e.getMessage().contains("'H'") && e.getMessage().contains("--input-shape"), e.getMessage());
    UnsupportedModelException u =
        assertThrows(
            UnsupportedModelException.class,
            () -> ShapeInference.infer(Model.of(g, 13), new long[] {1, 3, 8, 8}));
    assertTrue(
        u.getMessage().contains("mystery") && u.getMessage().contains("FancyOp"), u.getMessage());
    assertEquals("mystery", u.nodeName());
  }

  @Test
  void einsum() {
    Map<String, TensorValue> w = Map.of("w", TestGraphs.random(1, 4, 5, 6));
    assertArrayEquals(
        new long[] {2, 3, 5, 6},
        out(
            Node.builder("Einsum")
                .inputs("x", "w")
                .outputs("y")
                .attr("equation", "abi,ijk->abjk")
                .build(),
            new long[] {2, 3, 4},
            w,
            13));
    // implicit output: letters used once, alphabetical, after the ellipsis
    assertArrayEquals(
        new long[] {7, 2, 6, 5},
        out(
            Node.builder("Einsum")
                .inputs("x", "w")
                .outputs("y")
                .attr("equation", "...ai,ikj")
                .build(),
            new long[] {7, 2, 4},
            w,
            13));
    assertThrows(
        ModelException.class,
        () ->
            out(
                Node.builder("Einsum")
                    .inputs("x", "w")
                    .outputs("y")
                    .attr("equation", "ab,bcd->ad")
                    .build(),
                new long[] {2, 3},
                w,
                13));
  }

  @Test
  void hugeDimensionsFailCleanly() {
    ModelException e =
        assertThrows(
            ModelException.class,
            () ->
                out(
                    Node.builder("Reshape").name("r").inputs("x", "s").outputs("y").build(),
                    new long[] {1, 4},
                    Map.of("s", TestGraphs.longs(Long.MAX_VALUE / 2, 4)),
                    13));
    assertTrue(e.getMessage().contains("r"), e.getMessage());
    e =
        assertThrows(
            ModelException.class,
            () ->
                out(
                    Node.builder("ConstantOfShape").name("cos").inputs("x").outputs("y").build(),
                    new long[] {2},
                    Map.of(),
                    13));
    assertTrue(e.getMessage().contains("cos"), e.getMessage());
  }
}
