package org.lowrank.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.ModelException;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/** Graph structure of rewrites (numerics are checked in ONNX Runtime by lowrank-runtime tests). */
class LayerRewriterTest {

  /** x -> Conv "block/conv" (3x3, stride 2, pads 1) -> Relu -> y, plus an unrelated initializer. */
  static Model convModel(long irVersion) {
    Random rnd = new Random(7);
    Graph g =
        Graph.builder()
            .name("g")
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 4, 8, 8))
            .putInitializer("w", FactorizedLayerTest.random(rnd, 6, 4, 3, 3))
            .putInitializer("b", FactorizedLayerTest.random(rnd, 6))
            .putInitializer("block/tucker2_in.weight", FactorizedLayerTest.random(rnd, 1))
            .addNode(
                Node.builder("Conv")
                    .name("block/conv")
                    .inputs("x", "w", "b")
                    .outputs("c")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("strides", 2, 2)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(Node.builder("Relu").name("relu").inputs("c").outputs("y").build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 6, 4, 4))
            .build();
    return new Model(g, irVersion, Map.of("", 9L), "test", "", "", Map.of());
  }

  static Tucker2Conv tucker(long rOut, long rIn) {
    Random rnd = new Random(8);
    return new Tucker2Conv(
        FactorizedLayerTest.random(rnd, 6, rOut),
        FactorizedLayerTest.random(rnd, rOut, rIn, 3, 3),
        FactorizedLayerTest.random(rnd, 4, rIn));
  }

  @Test
  void tucker2ChainReplacesTheNodeInPlace() {
    Model m = convModel(8);
    Model r = LayerRewriter.rewrite(m, "block/conv", tucker(3, 2));
    List<Node> nodes = r.graph().nodes();
    assertEquals(4, nodes.size());
    assertEquals("block/conv/tucker2_in", nodes.get(0).name());
    assertEquals("block/conv/tucker2_core", nodes.get(1).name());
    assertEquals("block/conv/tucker2_out", nodes.get(2).name());
    assertEquals("relu", nodes.get(3).name());
    assertEquals(m.graph().nodes().get(1), nodes.get(3), "downstream node untouched");
    Node core = nodes.get(1);
    assertEquals(
        List.of(2L, 2L),
        List.of(core.attrLongs("strides", null)[0], core.attrLongs("strides", null)[1]));
    assertEquals(4, core.attrLongs("pads", null).length);
    Node last = nodes.get(2);
    assertEquals("c", last.output(0));
    assertEquals("b", last.input(2), "bias moves to the last 1x1");
    assertFalse(r.graph().initializers().containsKey("w"), "old weight dropped");
    assertTrue(r.graph().initializers().containsKey("block/tucker2_in.weight"), "unrelated kept");
    assertEquals(m.opset(), r.opset());
    for (Node n : nodes.subList(0, 3)) {
      assertTrue(n.name().startsWith("block/conv/"));
      for (String in : n.inputs().subList(1, n.inputs().size())) {
        assertTrue(in.startsWith("block/conv/") || in.equals("b"), in);
      }
    }
    TensorValue w1 = r.graph().initializer(nodes.get(0).input(1)).orElseThrow();
    assertEquals(List.of(2L, 4L, 1L, 1L), List.of(w1.dim(0), w1.dim(1), w1.dim(2), w1.dim(3)));
  }

  @Test
  void oldIrVersionListsNewInitializersAsInputs() {
    Model m = convModel(3);
    Graph g = m.graph().toBuilder().addInput(ValueInfo.of("w", DataType.FLOAT, 6, 4, 3, 3)).build();
    Model r = LayerRewriter.rewrite(m.withGraph(g), "block/conv", tucker(2, 2));
    for (String init : r.graph().initializers().keySet()) {
      if (!init.startsWith("block/conv/")) {
        continue;
      }
      assertTrue(r.graph().inputs().stream().anyMatch(v -> v.name().equals(init)), init);
    }
    assertTrue(r.graph().inputs().stream().noneMatch(v -> v.name().equals("w")));
    assertEquals(1, r.graph().runtimeInputs().size());
  }

  @Test
  void mismatchedFactorsAndMissingLayersSayWhere() {
    Model m = convModel(8);
    ModelException e =
        assertThrows(
            ModelException.class,
            () ->
                LayerRewriter.rewrite(
                    m,
                    "block/conv",
                    new Tucker2Conv(
                        FactorizedLayerTest.random(new Random(1), 5, 2),
                        FactorizedLayerTest.random(new Random(1), 2, 2, 3, 3),
                        FactorizedLayerTest.random(new Random(1), 4, 2))));
    assertTrue(
        e.getMessage().contains("block/conv") && e.getMessage().contains("[6, 4, 3, 3]"),
        e.getMessage());
    ModelException missing =
        assertThrows(ModelException.class, () -> LayerRewriter.rewrite(m, "nope", tucker(2, 2)));
    assertTrue(missing.getMessage().contains("block/conv"), missing.getMessage());
    ModelException kind =
        assertThrows(
            ModelException.class,
            () ->
                LayerRewriter.rewrite(
                    m,
                    "block/conv",
                    LowRankDense.of(
                        FactorizedLayerTest.random(new Random(1), 6, 2),
                        FactorizedLayerTest.random(new Random(1), 2, 4))));
    assertTrue(kind.getMessage().contains("Conv"), kind.getMessage());
  }

  @Test
  void gemmBeforeOpset11GetsZeroBiasForTheFirstFactor() {
    Random rnd = new Random(9);
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, -1, 8))
            .putInitializer("W", FactorizedLayerTest.random(rnd, 5, 8))
            .addNode(
                Node.builder("Gemm")
                    .name("fc")
                    .inputs("x", "W")
                    .outputs("y")
                    .attr("transB", 1L)
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 5))
            .build();
    LowRankDense lr =
        LowRankDense.of(
            FactorizedLayerTest.random(rnd, 5, 2), FactorizedLayerTest.random(rnd, 2, 8));
    Model old = LayerRewriter.rewrite(Model.of(g, 9), "fc", lr);
    assertTrue(old.graph().nodes().stream().allMatch(n -> n.inputs().size() == 3));
    Model recent = LayerRewriter.rewrite(Model.of(g, 13), "fc", lr);
    assertTrue(recent.graph().nodes().stream().allMatch(n -> n.inputs().size() == 2));
    TensorValue b1 =
        recent.graph().initializer(recent.graph().nodes().get(0).input(1)).orElseThrow();
    assertEquals(List.of(2L, 8L), List.of(b1.dim(0), b1.dim(1)), "transB=1 layout kept");
  }
}
