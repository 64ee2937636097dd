package org.lowrank.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/**
 * Appends layers to a sequential image classifier in the graph IR, tracking the current tensor and
 * its shape [N, C, H, W] (or [N, F] after {@link #flatten}). Weights are drawn from one seeded
 * generator in layer order: N(0, gain / fan_in) with gain 2 (He et al. 2015) for layers followed by
 * ReLU and gain 1 (LeCun) for the output layer; biases start at zero. Not thread-safe; one model
 * per builder.
 */
final class CnnBuilder {
  private final Graph.Builder graph;
  private final Random random;
  private String current;
  private long channels;
  private long height;
  private long width;
  private long features = -1;

  /** Starts a graph named {@code name} with input {@code inputName} of shape [N, c, h, w]. */
  CnnBuilder(String name, String inputName, long c, long h, long w, long seed) {
    this.graph = Graph.builder().name(name);
    this.random = new Random(seed);
    graph.addInput(
        new ValueInfo(
            inputName,
            DataType.FLOAT,
            List.of(
                ValueInfo.Dim.symbolic("N"),
                ValueInfo.Dim.of(c),
                ValueInfo.Dim.of(h),
                ValueInfo.Dim.of(w))));
    this.current = inputName;
    this.channels = c;
    this.height = h;
    this.width = w;
  }

  /**
   * A k x k convolution with stride 1 and "same" zero padding (k odd): [N,C,H,W] -> [N,out,H,W].
   */
  CnnBuilder conv(String name, long out, int k) {
    requireSpatial(name);
    long fanIn = channels * k * k;
    String w = name + ".weight";
    String b = name + ".bias";
    graph.putInitializer(w, normal(2.0 / fanIn, out, channels, k, k));
    graph.putInitializer(b, zeros(out));
    int p = k / 2;
    String y = name + "_out";
    graph.addNode(
        Node.builder("Conv")
            .name(name)
            .inputs(current, w, b)
            .outputs(y)
            .attrInts("kernel_shape", k, k)
            .attrInts("pads", p, p, p, p)
            .attrInts("strides", 1, 1)
            .build());
    current = y;
    channels = out;
    return this;
  }

  /** ReLU, shape unchanged. */
  CnnBuilder relu(String name) {
    String y = name + "_out";
    graph.addNode(Node.builder("Relu").name(name).inputs(current).outputs(y).build());
    current = y;
    return this;
  }

  /** 2 x 2 max pooling with stride 2: [N,C,H,W] -> [N,C,H/2,W/2]. */
  CnnBuilder maxPool2(String name) {
    requireSpatial(name);
    String y = name + "_out";
    graph.addNode(
        Node.builder("MaxPool")
            .name(name)
            .inputs(current)
            .outputs(y)
            .attrInts("kernel_shape", 2, 2)
            .attrInts("strides", 2, 2)
            .build());
    current = y;
    height /= 2;
    width /= 2;
    return this;
  }

  /** [N,C,H,W] -> [N, C*H*W]. */
  CnnBuilder flatten(String name) {
    requireSpatial(name);
    String y = name + "_out";
    graph.addNode(
        Node.builder("Flatten").name(name).inputs(current).outputs(y).attr("axis", 1L).build());
    current = y;
    features = channels * height * width;
    return this;
  }

  /**
   * A dense layer y = x W^T + b (Gemm, transB = 1, W of shape [out, in]): [N, in] -> [N, out].
   *
   * @param heInit true for a layer followed by ReLU (gain 2), false for the output layer (gain 1)
   */
  CnnBuilder dense(String name, long out, boolean heInit) {
    if (features < 0) {
      throw new IllegalStateException("dense layer " + name + " needs flatten() first");
    }
    String w = name + ".weight";
    String b = name + ".bias";
    graph.putInitializer(w, normal((heInit ? 2.0 : 1.0) / features, out, features));
    graph.putInitializer(b, zeros(out));
    String y = name + "_out";
    graph.addNode(
        Node.builder("Gemm")
            .name(name)
            .inputs(current, w, b)
            .outputs(y)
            .attr("transB", 1L)
            .build());
    current = y;
    features = out;
    return this;
  }

  /**
   * Renames the current tensor to the graph output {@code outputName} of shape [N, F] (an Identity
   * would cost a node, so the last node's output is renamed instead) and returns the model at
   * {@code opset}.
   */
  Model build(String outputName, long opset) {
    if (features < 0) {
      throw new IllegalStateException("the output must be flat [N, F]; call flatten() and dense()");
    }
    Graph g = graph.build();
    List<Node> nodes = new ArrayList<>(g.nodes());
    Node last = nodes.remove(nodes.size() - 1);
    if (!last.output(0).equals(current)) {
      throw new IllegalStateException("last node " + last.label() + " does not produce " + current);
    }
    nodes.add(last.toBuilder().outputs(outputName).build());
    Graph out =
        g.toBuilder()
            .nodes(nodes)
            .addOutput(
                new ValueInfo(
                    outputName,
                    DataType.FLOAT,
                    List.of(ValueInfo.Dim.symbolic("N"), ValueInfo.Dim.of(features))))
            .build();
    return Model.of(out, opset);
  }

  private void requireSpatial(String name) {
    if (features >= 0) {
      throw new IllegalStateException(name + ": spatial layer after flatten()");
    }
  }

  private TensorValue normal(double variance, long... dims) {
    float[] v = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    double std = Math.sqrt(variance);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextGaussian() * std);
    }
    return TensorValue.ofFloats(dims, v);
  }

  private static TensorValue zeros(long n) {
    return TensorValue.ofFloats(new long[] {n}, new float[Math.toIntExact(n)]);
  }
}
