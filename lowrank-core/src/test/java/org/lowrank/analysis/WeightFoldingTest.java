package org.lowrank.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

class WeightFoldingTest {

  @Test
  void constantAndShapeOnlyChainsBecomeInitializers() {
    TensorValue flat = TestGraphs.random(1, 8 * 3 * 3 * 3);
    TensorValue dense = TestGraphs.random(2, 10, 32); // stored [out, in], used through Transpose
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 8, 8))
            .putInitializer("w.flat", flat)
            .putInitializer("w.shape", TestGraphs.longs(8, 3, 3, 3))
            .putInitializer("fc", dense)
            .addNode(
                Node.builder("Reshape")
                    .name("w.reshape")
                    .inputs("w.flat", "w.shape")
                    .outputs("w")
                    .build())
            .addNode(
                Node.builder("Constant")
                    .name("bias.const")
                    .outputs("b")
                    .attribute(Attribute.of("value", TestGraphs.random(3, 8)))
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("x", "w", "b")
                    .outputs("c")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("strides", 2, 2)
                    .build())
            .addNode(Node.builder("Flatten").name("flat").inputs("c").outputs("f").build())
            .addNode(Node.builder("Transpose").name("fc.t").inputs("fc").outputs("fcT").build())
            .addNode(
                Node.builder("Cast")
                    .name("fc.cast")
                    .inputs("fcT")
                    .outputs("fcT32")
                    .attr("to", 1L)
                    .build())
            .addNode(Node.builder("MatMul").name("mm").inputs("f", "fcT32").outputs("y").build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 10))
            .build();
    Model folded = WeightFolding.fold(Model.of(g, 13));
    Graph f = folded.graph();
    assertEquals(
        List.of("Conv", "Flatten", "MatMul"), f.nodes().stream().map(Node::opType).toList());
    TensorValue w = f.initializer("w").orElseThrow();
    assertArrayEquals(new long[] {8, 3, 3, 3}, w.dims());
    assertArrayEquals(flat.toFloatArray(), w.toFloatArray());
    assertArrayEquals(new long[] {32, 10}, f.initializer("fcT32").orElseThrow().dims());
    assertEquals(
        dense.toFloatArray()[1],
        f.initializer("fcT32").orElseThrow().toFloatArray()[10]); // [0][1] -> [1][0]
    assertTrue(f.initializer("b").isPresent());
    // inputs consumed only by folded nodes are gone
    assertFalse(f.initializer("w.flat").isPresent());
    assertFalse(f.initializer("fc").isPresent());
    assertFalse(f.initializer("fcT").isPresent());
    // folding is idempotent
    assertEquals(f.nodes(), WeightFolding.fold(folded).graph().nodes());
  }

  @Test
  void graphOutputsStayAndInitializerInputsFoldWithTheirInput() {
    Graph g =
        Graph.builder()
            .addInput(ValueInfo.of("x", DataType.FLOAT, 2))
            .addInput(ValueInfo.of("k", DataType.FLOAT, 2)) // an input with a default (initializer)
            .putInitializer("k", TestGraphs.random(4, 2))
            .addNode(Node.builder("Identity").name("id").inputs("k").outputs("k2").build())
            .addNode(Node.builder("Add").name("add").inputs("x", "k2").outputs("y").build())
            .addNode(
                Node.builder("Constant")
                    .name("c")
                    .outputs("z")
                    .attribute(Attribute.of("value", TensorValue.scalar(1f)))
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, 2))
            .addOutput(ValueInfo.of("z", DataType.FLOAT))
            .build();
    Graph f = WeightFolding.fold(Model.of(g, 13)).graph();
    // the Constant feeding a graph output stays; Identity(k) folds, and the input "k" goes with its
    // initializer
    assertEquals(List.of("add", "c"), f.nodes().stream().map(Node::name).toList());
    assertEquals(List.of("x"), f.inputs().stream().map(ValueInfo::name).toList());
    assertTrue(f.initializer("k2").isPresent());
    assertFalse(f.initializer("k").isPresent());
  }
}
