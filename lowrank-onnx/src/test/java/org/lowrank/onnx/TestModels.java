package org.lowrank.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/** Shared test fixtures: shared-data lookup, synthetic models, deep IR comparison. */
final class TestModels {
  private TestModels() {}

  /** The shared data folder: LOWRANK_SHARED_DATA (property or env) or ../../shared/data. */
  static Path sharedData() {
    String p = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    return p != null ? Paths.get(p) : Paths.get("..", "..", "shared", "data");
  }

  /** A real model file, or skip the test when the shared data is absent. */
  static Path realModel(String name) {
    Path p = sharedData().resolve("models").resolve(name).resolve("model.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(p), "shared model absent: " + p);
    return p;
  }

  static TensorValue randomFloats(Random rnd, long... dims) {
    float[] f = new float[(int) TensorValue.elementCount(dims)];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) rnd.nextGaussian();
    }
    return TensorValue.ofFloats(dims, f);
  }

  /**
   * A small conv net exercising every IR feature the writer must keep: conv (float weight), fp16
   * and double initializers, a Constant node, int64 shape tensor, float/ints/string/strings/floats
   * attributes, an If subgraph, symbolic dims, value infos, metadata.
   */
  static Model synthetic(long seed) {
    Random rnd = new Random(seed);
    float[] half = {
      0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, Float.POSITIVE_INFINITY
    };
    Graph thenBranch =
        Graph.builder()
            .name("then")
            .addNode(
                Node.builder("Identity").name("then_id").inputs("flat").outputs("then_out").build())
            .addOutput(ValueInfo.of("then_out", DataType.FLOAT, 1, 128))
            .build();
    Graph elseBranch =
        Graph.builder()
            .name("else")
            .addNode(
                Node.builder("Neg").name("else_neg").inputs("flat").outputs("else_out").build())
            .addOutput(ValueInfo.of("else_out", DataType.FLOAT, 1, 128))
            .build();
    Graph g =
        Graph.builder()
            .name("synthetic")
            .docString("test graph")
            .addInput(
                new ValueInfo(
                    "x",
                    DataType.FLOAT,
                    List.of(
                        ValueInfo.Dim.symbolic("N"),
                        ValueInfo.Dim.of(3),
                        ValueInfo.Dim.of(8),
                        ValueInfo.Dim.of(8))))
            .addInput(ValueInfo.of("cond", DataType.BOOL))
            .putInitializer("conv.w", randomFloats(rnd, 8, 3, 3, 3))
            .putInitializer("conv.b", TensorValue.ofFloats(DataType.FLOAT16, new long[] {8}, half))
            .putInitializer(
                "scale", TensorValue.ofFloats(DataType.DOUBLE, new long[] {1}, new float[] {0.5f}))
            .putInitializer("shape", TensorValue.ofLongs(new long[] {2}, new long[] {1, -1}))
            .putInitializer(
                "u8", TensorValue.ofLongs(DataType.UINT8, new long[] {3}, new long[] {0, 128, 255}))
            .putInitializer(
                "i32",
                TensorValue.ofLongs(
                    DataType.INT32, new long[] {2}, new long[] {-7, Integer.MAX_VALUE}))
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("x", "conv.w", "conv.b")
                    .outputs("c")
                    .attrInts("kernel_shape", 3, 3)
                    .attrInts("pads", 1, 1, 1, 1)
                    .attrInts("strides", 2, 2)
                    .attr("group", 1L)
                    .attr("auto_pad", "NOTSET")
                    .build())
            .addNode(
                Node.builder("Constant")
                    .name("k")
                    .outputs("kval")
                    .attribute(Attribute.of("value", TensorValue.scalar(1.5f)))
                    .build())
            .addNode(Node.builder("Mul").name("mul").inputs("c", "kval").outputs("m").build())
            .addNode(
                Node.builder("LeakyRelu")
                    .name("act")
                    .inputs("m")
                    .outputs("r")
                    .attr("alpha", 0.125f)
                    .build())
            .addNode(
                Node.builder("Reshape")
                    .name("flatten")
                    .inputs("r", "shape")
                    .outputs("flat")
                    .build())
            .addNode(
                Node.builder("If")
                    .name("branch")
                    .inputs("cond")
                    .outputs("y")
                    .attribute(new Attribute("then_branch", Attribute.Kind.GRAPH, thenBranch))
                    .attribute(new Attribute("else_branch", Attribute.Kind.GRAPH, elseBranch))
                    .attribute(new Attribute("tags", Attribute.Kind.STRINGS, List.of("a", "βγ")))
                    .attribute(Attribute.ofFloats("weights", 1f, -0f, Float.NaN))
                    .docString("doc")
                    .build())
            .addOutput(ValueInfo.of("y", DataType.FLOAT, -1, 128))
            .addValueInfo(ValueInfo.of("c", DataType.FLOAT, 1, 8, 4, 4))
            .build();
    return new Model(g, 8, Map.of("", 13L), "test", "1", "model doc", Map.of("author", "me"));
  }

  /** Asserts two models are identical (producer aside), weights compared bit for bit. */
  static void assertSameModel(Model a, Model b) {
    assertEquals(a.irVersion(), b.irVersion(), "ir_version");
    assertEquals(a.opsetImports(), b.opsetImports(), "opset imports");
    assertEquals(a.docString(), b.docString(), "doc");
    assertEquals(a.metadata(), b.metadata(), "metadata");
    assertSameGraph(a.graph(), b.graph(), "graph");
  }

  static void assertSameGraph(Graph a, Graph b, String where) {
    assertEquals(a.name(), b.name(), where + " name");
    assertEquals(a.docString(), b.docString(), where + " doc");
    assertEquals(a.inputs(), b.inputs(), where + " inputs");
    assertEquals(a.outputs(), b.outputs(), where + " outputs");
    assertEquals(a.valueInfos(), b.valueInfos(), where + " value infos");
    assertEquals(
        List.copyOf(a.initializers().keySet()),
        List.copyOf(b.initializers().keySet()),
        where + " initializer names");
    for (String k : a.initializers().keySet()) {
      assertSameTensor(
          a.initializers().get(k), b.initializers().get(k), where + " initializer " + k);
    }
    assertEquals(a.nodes().size(), b.nodes().size(), where + " node count");
    for (int i = 0; i < a.nodes().size(); i++) {
      Node x = a.nodes().get(i);
      Node y = b.nodes().get(i);
      String w = where + " node " + x.label();
      assertEquals(x.name(), y.name(), w);
      assertEquals(x.opType(), y.opType(), w);
      assertEquals(x.domain(), y.domain(), w);
      assertEquals(x.inputs(), y.inputs(), w);
      assertEquals(x.outputs(), y.outputs(), w);
      assertEquals(x.docString(), y.docString(), w);
      assertEquals(List.copyOf(x.attributes().keySet()), List.copyOf(y.attributes().keySet()), w);
      for (Attribute ax : x.attributes().values()) {
        assertSameAttribute(ax, y.attributes().get(ax.name()), w + " attribute " + ax.name());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void assertSameAttribute(Attribute a, Attribute b, String where) {
    assertEquals(a.kind(), b.kind(), where);
    switch (a.kind()) {
      case GRAPH -> assertSameGraph(a.asGraph(), b.asGraph(), where);
      case TENSOR -> assertSameTensor(a.asTensor(), b.asTensor(), where);
      case GRAPHS -> {
        List<Graph> x = (List<Graph>) a.value();
        List<Graph> y = (List<Graph>) b.value();
        assertEquals(x.size(), y.size(), where);
        for (int i = 0; i < x.size(); i++) {
          assertSameGraph(x.get(i), y.get(i), where + "[" + i + "]");
        }
      }
      case TENSORS -> {
        List<TensorValue> x = (List<TensorValue>) a.value();
        List<TensorValue> y = (List<TensorValue>) b.value();
        assertEquals(x.size(), y.size(), where);
        for (int i = 0; i < x.size(); i++) {
          assertSameTensor(x.get(i), y.get(i), where + "[" + i + "]");
        }
      }
      case FLOATS -> assertArrayEquals(rawBits(a.asFloats()), rawBits(b.asFloats()), where);
      case FLOAT ->
          assertEquals(
              Float.floatToRawIntBits(a.asFloat()), Float.floatToRawIntBits(b.asFloat()), where);
      default -> assertEquals(a.value(), b.value(), where);
    }
  }

  static void assertSameTensor(TensorValue a, TensorValue b, String where) {
    assertEquals(a.dataType(), b.dataType(), where + " type");
    assertArrayEquals(a.dims(), b.dims(), where + " dims");
    assertEquals(a.isFloatingPoint(), b.isFloatingPoint(), where);
    if (a.dataType() == DataType.DOUBLE) {
      double[] x = a.toDoubleArray();
      double[] y = b.toDoubleArray();
      for (int i = 0; i < x.length; i++) {
        assertEquals(
            Double.doubleToRawLongBits(x[i]),
            Double.doubleToRawLongBits(y[i]),
            where + " data bits [" + i + "]");
      }
    } else if (a.isFloatingPoint()) {
      assertArrayEquals(rawBits(a.toFloatArray()), rawBits(b.toFloatArray()), where + " data bits");
    } else {
      assertArrayEquals(a.toLongArray(), b.toLongArray(), where + " data");
    }
  }

  static int[] rawBits(float[] f) {
    int[] out = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = Float.floatToRawIntBits(f[i]);
    }
    return out;
  }
}
