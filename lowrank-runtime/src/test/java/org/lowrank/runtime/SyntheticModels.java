package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;

/** Small single-layer models built directly in the IR, with symbolic batch (test helpers). */
final class SyntheticModels {
  static final long OPSET = 13;

  private SyntheticModels() {}

  static TensorValue random(Random rnd, long... dims) {
    float[] f = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) rnd.nextGaussian();
    }
    return TensorValue.ofFloats(dims, f);
  }

  static ValueInfo batched(String name, long... dims) {
    List<ValueInfo.Dim> shape = new ArrayList<>();
    shape.add(ValueInfo.Dim.symbolic("N"));
    for (long d : dims) {
      shape.add(ValueInfo.Dim.of(d));
    }
    return new ValueInfo(name, DataType.FLOAT, shape);
  }

  /** A float value of known rank whose dimensions are all symbolic. */
  static ValueInfo symbolicShape(String name, int rank) {
    List<ValueInfo.Dim> shape = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      shape.add(ValueInfo.Dim.symbolic(name + "_d" + i));
    }
    return new ValueInfo(name, DataType.FLOAT, shape);
  }

  static long[] concatC(long c, long[] spatial) {
    long[] out = new long[spatial.length + 1];
    out[0] = c;
    System.arraycopy(spatial, 0, out, 1, spatial.length);
    return out;
  }

  /** A conv geometry: weight [cout, cin/groups, kernel..] on inputs [N, cin, spatial..]. */
  record ConvSpec(
      String label,
      long cout,
      long cin,
      long[] kernel,
      long[] spatial,
      long[] strides,
      long[] pads,
      long[] dilations,
      String autoPad,
      long groups,
      boolean bias) {

    @Override
    public String toString() {
      return label;
    }
  }

  /**
   * x -> Conv "conv" -> Relu -> y. With {@code constantWeight} the weight comes from a Constant
   * node instead of an initializer.
   */
  static Model conv(ConvSpec s, long seed, boolean constantWeight) {
    Random rnd = new Random(seed);
    long[] wDims = new long[2 + s.kernel().length];
    wDims[0] = s.cout();
    wDims[1] = s.cin() / s.groups();
    System.arraycopy(s.kernel(), 0, wDims, 2, s.kernel().length);
    Graph.Builder g =
        Graph.builder()
            .name("conv_" + s.label())
            .addInput(batched("x", concatC(s.cin(), s.spatial())));
    TensorValue w = random(rnd, wDims);
    List<String> inputs = new ArrayList<>(List.of("x", "conv.weight"));
    if (constantWeight) {
      g.addNode(
          Node.builder("Constant")
              .name("conv.weight_const")
              .outputs("conv.weight")
              .attribute(org.lowrank.graph.Attribute.of("value", w))
              .build());
    } else {
      g.putInitializer("conv.weight", w);
    }
    if (s.bias()) {
      g.putInitializer("conv.bias", random(rnd, s.cout()));
      inputs.add("conv.bias");
    }
    Node.Builder conv =
        Node.builder("Conv")
            .name("conv")
            .inputs(inputs)
            .outputs("conv_out")
            .attrInts("kernel_shape", s.kernel())
            .attrInts("strides", s.strides())
            .attrInts("dilations", s.dilations())
            .attr("group", s.groups());
    if (s.autoPad() == null) {
      conv.attrInts("pads", s.pads());
    } else {
      conv.attr("auto_pad", s.autoPad());
    }
    g.addNode(conv.build());
    g.addNode(Node.builder("Relu").name("relu").inputs("conv_out").outputs("y").build());
    g.addOutput(symbolicShape("y", 2 + s.kernel().length));
    return Model.of(g.build(), OPSET);
  }

  /** x [N, cin, H, W] -> grouped Conv "gconv" (group 2, 3x3) -> Conv "conv" (3x3) -> y. */
  static Model groupedThenPlain(long seed) {
    Random rnd = new Random(seed);
    Graph g =
        Graph.builder()
            .name("grouped")
            .addInput(batched("x", 4, 9, 9))
            .putInitializer("gconv.weight", random(rnd, 6, 2, 3, 3))
            .putInitializer("conv.weight", random(rnd, 5, 6, 3, 3))
            .putInitializer("conv.bias", random(rnd, 5))
            .addNode(
                Node.builder("Conv")
                    .name("gconv")
                    .inputs("x", "gconv.weight")
                    .outputs("h")
                    .attrInts("kernel_shape", 3, 3)
                    .attr("group", 2L)
                    .attrInts("pads", 1, 1, 1, 1)
                    .build())
            .addNode(
                Node.builder("Conv")
                    .name("conv")
                    .inputs("h", "conv.weight", "conv.bias")
                    .outputs("y")
                    .attrInts("kernel_shape", 3, 3)
                    .build())
            .addOutput(symbolicShape("y", 4))
            .build();
    return Model.of(g, OPSET);
  }

  /** x [N, in] -> Gemm "fc" (weight stored per transB, bias [out]) -> y. */
  static Model gemm(
      long in,
      long out,
      boolean transA,
      boolean transB,
      float alpha,
      float beta,
      boolean bias,
      long seed) {
    Random rnd = new Random(seed);
    Graph.Builder g = Graph.builder().name("gemm");
    if (transA) {
      g.addInput(
          new ValueInfo(
              "x", DataType.FLOAT, List.of(ValueInfo.Dim.of(in), ValueInfo.Dim.symbolic("N"))));
    } else {
      g.addInput(batched("x", in));
    }
    g.putInitializer("fc.weight", transB ? random(rnd, out, in) : random(rnd, in, out));
    List<String> inputs = new ArrayList<>(List.of("x", "fc.weight"));
    if (bias) {
      g.putInitializer("fc.bias", random(rnd, out));
      inputs.add("fc.bias");
    }
    g.addNode(
        Node.builder("Gemm")
            .name("fc")
            .inputs(inputs)
            .outputs("y")
            .attr("transA", transA ? 1L : 0L)
            .attr("transB", transB ? 1L : 0L)
            .attr("alpha", alpha)
            .attr("beta", beta)
            .build());
    g.addOutput(symbolicShape("y", 2));
    return Model.of(g.build(), OPSET);
  }

  /**
   * MatMul "fc": weight on the right, x [N, (seq,) in] times W [in, out]; or on the left, W [out,
   * in] times x [in, N].
   */
  static Model matmul(long in, long out, boolean weightOnLeft, boolean sequence, long seed) {
    Random rnd = new Random(seed);
    Graph.Builder g = Graph.builder().name("matmul");
    Node.Builder mm = Node.builder("MatMul").name("fc").outputs("y");
    if (weightOnLeft) {
      g.addInput(
          new ValueInfo(
              "x", DataType.FLOAT, List.of(ValueInfo.Dim.of(in), ValueInfo.Dim.symbolic("N"))));
      g.putInitializer("fc.weight", random(rnd, out, in));
      mm.inputs("fc.weight", "x");
    } else {
      g.addInput(sequence ? batched("x", 3, in) : batched("x", in));
      g.putInitializer("fc.weight", random(rnd, in, out));
      mm.inputs("x", "fc.weight");
    }
    g.addNode(mm.build());
    g.addOutput(symbolicShape("y", sequence ? 3 : 2));
    return Model.of(g.build(), OPSET);
  }
}
