package org.lowrank.runtime;

import static org.lowrank.runtime.SyntheticModels.batched;
import static org.lowrank.runtime.SyntheticModels.random;
import static org.lowrank.runtime.SyntheticModels.symbolicShape;

import java.util.Random;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/** Small CNNs built in the IR whose channels are coupled in the ways pruning must follow. */
final class PruneModels {
  private PruneModels() {}

  static Node conv(String name, String x, String y, long pad, long stride, long group) {
    return Node.builder("Conv")
        .name(name)
        .inputs(x, name + ".weight", name + ".bias")
        .outputs(y)
        .attrInts("kernel_shape", 1 + 2 * pad, 1 + 2 * pad)
        .attrInts("pads", pad, pad, pad, pad)
        .attrInts("strides", stride, stride)
        .attr("group", group)
        .build();
  }

  static void convWeights(Graph.Builder g, Random rnd, String name, long out, long in, long k) {
    g.putInitializer(name + ".weight", random(rnd, out, in, k, k));
    g.putInitializer(name + ".bias", random(rnd, out));
  }

  static Node op(String type, String name, String y, String... x) {
    return Node.builder(type).name(name).inputs(x).outputs(y).build();
  }

  /**
   * A residual block: x [N,4,8,8] -> stem (8) -> BN -> Relu = a; a -> block.conv1 (8) -> Relu ->
   * block.conv2 (8) -> Add(., a) -> Relu -> GlobalAveragePool -> Flatten -> Gemm fc (5, transB).
   * Groups: stem+block.conv2 (residual), block.conv1, fc (model output), x (model input).
   */
  static Model residual(long seed) {
    Random rnd = new Random(seed);
    Graph.Builder g = Graph.builder().name("residual").addInput(batched("x", 4, 8, 8));
    convWeights(g, rnd, "stem", 8, 4, 3);
    g.putInitializer("bn.scale", positive(rnd, 8));
    g.putInitializer("bn.bias", random(rnd, 8));
    g.putInitializer("bn.mean", random(rnd, 8));
    g.putInitializer("bn.var", positive(rnd, 8));
    convWeights(g, rnd, "block.conv1", 8, 8, 3);
    convWeights(g, rnd, "block.conv2", 8, 8, 3);
    g.putInitializer("fc.weight", random(rnd, 5, 8));
    g.putInitializer("fc.bias", random(rnd, 5));
    g.addNode(conv("stem", "x", "s", 1, 1, 1))
        .addNode(
            Node.builder("BatchNormalization")
                .name("bn")
                .inputs("s", "bn.scale", "bn.bias", "bn.mean", "bn.var")
                .outputs("sb")
                .build())
        .addNode(op("Relu", "relu0", "a", "sb"))
        .addNode(conv("block.conv1", "a", "h1", 1, 1, 1))
        .addNode(op("Relu", "relu1", "h1r", "h1"))
        .addNode(conv("block.conv2", "h1r", "h2", 1, 1, 1))
        .addNode(op("Add", "add", "sum", "h2", "a"))
        .addNode(op("Relu", "relu2", "r", "sum"))
        .addNode(op("GlobalAveragePool", "gap", "p", "r"))
        .addNode(op("Flatten", "flatten", "f", "p"))
        .addNode(
            Node.builder("Gemm")
                .name("fc")
                .inputs("f", "fc.weight", "fc.bias")
                .outputs("y")
                .attr("transB", 1L)
                .build())
        .addOutput(symbolicShape("y", 2));
    return Model.of(g.build(), SyntheticModels.OPSET);
  }

  /**
   * Concat and Flatten into a Gemm: x [N,4,8,8] -> convA (6) -> Relu, x -> convB (3); Concat (9) ->
   * Mul by a constant [9,1,1] -> convC (5, stride 2) -> Relu -> Flatten [N, 80] -> Gemm fc (3,
   * weight [80, 3]).
   */
  static Model concatFlatten(long seed) {
    Random rnd = new Random(seed);
    Graph.Builder g = Graph.builder().name("concat").addInput(batched("x", 4, 8, 8));
    convWeights(g, rnd, "convA", 6, 4, 3);
    convWeights(g, rnd, "convB", 3, 4, 1);
    g.putInitializer("scale", random(rnd, 9, 1, 1));
    convWeights(g, rnd, "convC", 5, 9, 3);
    g.putInitializer("fc.weight", random(rnd, 80, 3));
    g.putInitializer("fc.bias", random(rnd, 3));
    g.addNode(conv("convA", "x", "a", 1, 1, 1))
        .addNode(op("Relu", "reluA", "ar", "a"))
        .addNode(conv("convB", "x", "b", 0, 1, 1))
        .addNode(
            Node.builder("Concat")
                .name("cat")
                .inputs("ar", "b")
                .outputs("c")
                .attr("axis", 1L)
                .build())
        .addNode(op("Mul", "mul", "cs", "c", "scale"))
        .addNode(conv("convC", "cs", "d", 1, 2, 1))
        .addNode(op("Relu", "reluC", "dr", "d"))
        .addNode(op("Flatten", "flatten", "f", "dr"))
        .addNode(
            Node.builder("Gemm")
                .name("fc")
                .inputs("f", "fc.weight", "fc.bias")
                .outputs("y")
                .build())
        .addOutput(symbolicShape("y", 2));
    return Model.of(g.build(), SyntheticModels.OPSET);
  }

  /**
   * The option-A shortcut of the CIFAR ResNets and a depthwise conv: x [N,4,8,8] -> conv0 (4) ->
   * Relu = a; shortcut: Slice a[:, :, ::2, ::2] -> Pad 2 zero channels before and after (8); main:
   * depthwise 3x3 stride 2 (group 4) -> Relu -> pointwise (8); Add -> Relu -> head (3, 1x1) -> y
   * [N,3,4,4].
   */
  static Model padShortcut(long seed) {
    Random rnd = new Random(seed);
    Graph.Builder g = Graph.builder().name("shortcut").addInput(batched("x", 4, 8, 8));
    convWeights(g, rnd, "conv0", 4, 4, 3);
    convWeights(g, rnd, "dw", 4, 1, 3);
    convWeights(g, rnd, "pw", 8, 4, 1);
    convWeights(g, rnd, "head", 3, 8, 1);
    g.putInitializer("sl.starts", longs(0, 0));
    g.putInitializer("sl.ends", longs(8, 8));
    g.putInitializer("sl.axes", longs(2, 3));
    g.putInitializer("sl.steps", longs(2, 2));
    g.putInitializer("pad.pads", longs(0, 2, 0, 0, 0, 2, 0, 0));
    g.addNode(conv("conv0", "x", "c0", 1, 1, 1))
        .addNode(op("Relu", "relu0", "a", "c0"))
        .addNode(op("Slice", "slice", "sc", "a", "sl.starts", "sl.ends", "sl.axes", "sl.steps"))
        .addNode(op("Pad", "pad", "scp", "sc", "pad.pads"))
        .addNode(conv("dw", "a", "d", 1, 2, 4))
        .addNode(op("Relu", "relud", "dr", "d"))
        .addNode(conv("pw", "dr", "p", 0, 1, 1))
        .addNode(op("Add", "add", "sum", "p", "scp"))
        .addNode(op("Relu", "relu1", "r", "sum"))
        .addNode(conv("head", "r", "y", 0, 1, 1))
        .addOutput(symbolicShape("y", 4));
    return Model.of(g.build(), SyntheticModels.OPSET);
  }

  /**
   * Couplings pruning refuses: x [N,4,6,6] -> conv0 (8) -> grouped conv g (8, group 2) -> Relu ->
   * Transpose (perm 0,1,3,2) -> conv1 (4) -> y.
   */
  static Model unprunable(long seed) {
    Random rnd = new Random(seed);
    Graph.Builder g = Graph.builder().name("unprunable").addInput(batched("x", 4, 6, 6));
    convWeights(g, rnd, "conv0", 8, 4, 3);
    convWeights(g, rnd, "g", 8, 4, 3);
    convWeights(g, rnd, "conv1", 4, 8, 1);
    g.addNode(conv("conv0", "x", "c0", 1, 1, 1))
        .addNode(conv("g", "c0", "gc", 1, 1, 2))
        .addNode(op("Relu", "relu", "gr", "gc"))
        .addNode(
            Node.builder("Transpose")
                .name("tr")
                .inputs("gr")
                .outputs("t")
                .attrInts("perm", 0, 1, 3, 2)
                .build())
        .addNode(conv("conv1", "t", "y", 0, 1, 1))
        .addOutput(symbolicShape("y", 4));
    return Model.of(g.build(), SyntheticModels.OPSET);
  }

  private static TensorValue positive(Random rnd, long n) {
    float[] f = new float[(int) n];
    for (int i = 0; i < f.length; i++) {
      f[i] = 0.5f + rnd.nextFloat();
    }
    return TensorValue.ofFloats(new long[] {n}, f);
  }

  private static TensorValue longs(long... v) {
    return TensorValue.ofLongs(new long[] {v.length}, v);
  }
}
