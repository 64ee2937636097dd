package org.lowrank.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.analysis.InferredShapes;
import org.lowrank.analysis.ShapeInference;

/** The opset-7 experimental ops become Mul/Add/Slice that shape inference understands. */
class LegacyOpsTest {

  /** x [1, 3, 10, 12] -> ImageScaler -> Conv 4x3x3x3 (pad 1) -> Affine -> Crop -> y. */
  static Model legacyNet(long opset, long[] cropScale) {
    Node.Builder crop =
        Node.builder("Crop").name("crop").inputs("a").outputs("y").attrInts("border", 1, 2, 3, 1);
    if (cropScale != null) {
      crop.attrInts("scale", cropScale);
    }
    Graph g =
        Graph.builder()
            .name("legacy")
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 10, 12))
            .putInitializer("w", TensorValue.ofFloats(new long[] {4, 3, 3, 3}, new float[108]))
            .addNode(
                Node.builder("ImageScaler")
                    .name("scaler")
                    .inputs("x")
                    .outputs("s")
                    .attr("scale", 0.5f)
                    .attribute(Attribute.ofFloats("bias", 0.1f, -0.2f, 0.3f))
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("s", "w")
                    .outputs("c")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(
                Node.builder("Affine")
                    .name("affine")
                    .inputs("c")
                    .outputs("a")
                    .attr("alpha", 1.5f)
                    .attr("beta", -0.25f)
                    .build())
            .addNode(crop.build())
            .addOutput(new ValueInfo("y", DataType.FLOAT, null))
            .build();
    return Model.of(g, opset);
  }

  private static List<String> opTypes(Model m) {
    return m.graph().nodes().stream().map(Node::opType).toList();
  }

  @Test
  void replacesEachLegacyOpAndKeepsTheOutputNames() {
    Model up = LegacyOps.upgrade(legacyNet(7, null));
    assertEquals(List.of("Mul", "Add", "Conv", "Mul", "Add", "Slice"), opTypes(up));
    assertEquals("s", up.graph().nodes().get(1).output(0));
    assertEquals("a", up.graph().nodes().get(4).output(0));
    assertEquals("y", up.graph().nodes().get(5).output(0));
    assertEquals("scaler/mul", up.graph().nodes().get(0).name());
    TensorValue bias = up.graph().initializer(up.graph().nodes().get(1).input(1)).orElseThrow();
    assertArrayEquals(new long[] {3, 1, 1}, bias.dims());
    assertArrayEquals(new float[] {0.1f, -0.2f, 0.3f}, bias.toFloatArray());
    assertEquals(
        0.5f, up.graph().initializer(up.graph().nodes().get(0).input(1)).orElseThrow().floatAt(0));
  }

  @Test
  void shapeInferenceRunsOnTheUpgradedModel() {
    // border [left 1, top 2, right 3, bottom 1] on 10x12: rows 2..9, columns 1..9
    InferredShapes s = ShapeInference.infer(LegacyOps.upgrade(legacyNet(7, null)));
    assertArrayEquals(new long[] {1, 3, 10, 12}, s.require("s"));
    assertArrayEquals(new long[] {1, 4, 7, 8}, s.require("y"));
    InferredShapes scaled =
        ShapeInference.infer(LegacyOps.upgrade(legacyNet(7, new long[] {5, 6})));
    assertArrayEquals(new long[] {1, 4, 5, 6}, scaled.require("y"));
  }

  @Test
  void aZeroBorderCropsNothingOnThatSide() {
    Model m =
        Model.of(
            Graph.builder()
                .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 10, 12))
                .addNode(
                    Node.builder("Crop")
                        .name("crop")
                        .inputs("x")
                        .outputs("y")
                        .attrInts("border", 0, 1, 0, 2)
                        .build())
                .addOutput(new ValueInfo("y", DataType.FLOAT, null))
                .build(),
            7);
    assertArrayEquals(
        new long[] {1, 3, 7, 12}, ShapeInference.infer(LegacyOps.upgrade(m)).require("y"));
  }

  @Test
  void cropBecomesASliceWithInputsFromOpset10() {
    Model up = LegacyOps.upgrade(legacyNet(13, new long[] {5, 6}));
    Node slice = up.graph().nodes().get(5);
    assertEquals(4, slice.inputs().size());
    assertFalse(slice.hasAttribute("starts"));
    assertArrayEquals(
        new long[] {2, 1}, up.graph().initializer(slice.input(1)).orElseThrow().toLongArray());
    assertArrayEquals(
        new long[] {7, 7}, up.graph().initializer(slice.input(2)).orElseThrow().toLongArray());
    assertArrayEquals(new long[] {1, 4, 5, 6}, ShapeInference.infer(up).require("y"));
    Model old = LegacyOps.upgrade(legacyNet(9, null));
    assertArrayEquals(new long[] {2, 1}, old.graph().nodes().get(5).attrLongs("starts", null));
    assertEquals(1, old.graph().nodes().get(5).inputs().size());
  }

  @Test
  void withoutLegacyOpsTheModelIsReturnedAsItIs() {
    Model m =
        Model.of(
            Graph.builder()
                .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 2))
                .addNode(Node.builder("Relu").name("r").inputs("x").outputs("y").build())
                .addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 2))
                .build(),
            7);
    assertSame(m, LegacyOps.upgrade(m));
  }

  @Test
  void newNamesDoNotCollideWithExistingOnes() {
    Graph g =
        legacyNet(7, null).graph().toBuilder()
            .putInitializer(
                "s_scale", TensorValue.scalar(9f)) // taken: the name the pass would pick first
            .build();
    Model up = LegacyOps.upgrade(Model.of(g, 7));
    String scale = up.graph().nodes().get(0).input(1);
    assertTrue(!scale.equals("s_scale") && scale.startsWith("s_scale"), scale);
    assertEquals(9f, up.graph().initializer("s_scale").orElseThrow().floatAt(0));
  }

  @Test
  void aMalformedCropNamesTheNodeAndWhatItExpected() {
    Graph g = legacyNet(7, null).graph();
    Node bad =
        Node.builder("Crop").name("crop").inputs("a").outputs("y").attrInts("border", 1, 2).build();
    List<Node> nodes = new java.util.ArrayList<>(g.nodes());
    nodes.set(3, bad);
    Model m = Model.of(g.toBuilder().nodes(nodes).build(), 7);
    ModelException e = assertThrows(ModelException.class, () -> LegacyOps.upgrade(m));
    assertTrue(
        e.getMessage().contains("crop")
            && e.getMessage().contains("[left, top, right, bottom]")
            && e.getMessage().contains("[1, 2]"),
        e.getMessage());
  }
}
