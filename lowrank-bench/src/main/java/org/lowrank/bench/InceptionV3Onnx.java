package org.lowrank.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bench inception-v3 --out FILE}: writes an ONNX model with the layer structure of
 * InceptionV3 (Szegedy et al. 2016, "Rethinking the Inception Architecture"; inference graph
 * without the auxiliary head, batch norm folded into conv biases): 1x3x299x299 input, the stem,
 * Mixed_5b-5d (A), 6a (B), 6b-6e (C, 7x7 factorized as 1x7/7x1), 7a (D), 7b-7c (E), global average
 * pool and a 2048x1000 classifier. 94 convolutions, 23.8M parameters. Weights are seeded Kaiming
 * Gaussians: a stand-in of the right size and shapes for timing the data-free pipeline when no
 * pretrained InceptionV3 ONNX is available offline, not a model that classifies anything.
 */
@Command(
    name = "inception-v3",
    mixinStandardHelpOptions = true,
    description = "Write an InceptionV3-shaped ONNX model with random weights (for timing).")
public final class InceptionV3Onnx implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model to write.")
  Path out;

  @Option(names = "--seed", description = "Weight seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(
      names = "--size",
      paramLabel = "PIXELS",
      description =
          "Input height and width, at least 75 (default: ${DEFAULT-VALUE}, the network's own;"
              + " 224 for an ImageNet-size model at the common crop).")
  int size = DEFAULT_SIZE;

  /** InceptionV3's own input height and width. */
  public static final int DEFAULT_SIZE = 299;

  /** Smallest input the layer stack accepts (every stride-2 stage keeps at least one pixel). */
  static final int MIN_SIZE = 75;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (size < MIN_SIZE) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--size must be at least " + MIN_SIZE + " (the stride-2 stages), found " + size);
    }
    Model m = build(seed, size);
    OnnxWriter.write(m, out);
    spec.commandLine()
        .getOut()
        .println(
            "wrote " + out + ": " + convCount(m) + " Conv nodes, " + parameters(m) + " parameters");
    return 0;
  }

  static long convCount(Model m) {
    return m.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).count();
  }

  static long parameters(Model m) {
    return m.graph().initializers().values().stream().mapToLong(TensorValue::elementCount).sum();
  }

  /** The InceptionV3 inference graph with seeded random weights, input 1x3x299x299. */
  public static Model build(long seed) {
    return build(seed, DEFAULT_SIZE);
  }

  /**
   * The InceptionV3 inference graph with seeded random weights and input 1x3xSIZExSIZE (the same
   * weights at every size: the convolutions do not depend on it; the pooled features are 2048
   * wide).
   */
  public static Model build(long seed, int size) {
    Builder b = new Builder(seed);
    String x = "input";
    x = b.conv(x, 3, 32, 3, 3, 2, 0, 0);
    x = b.conv(x, 32, 32, 3, 3, 1, 0, 0);
    x = b.conv(x, 32, 64, 3, 3, 1, 1, 1);
    x = b.pool("MaxPool", x, 2, 0);
    x = b.conv(x, 64, 80, 1, 1, 1, 0, 0);
    x = b.conv(x, 80, 192, 3, 3, 1, 0, 0);
    x = b.pool("MaxPool", x, 2, 0);
    x = b.inceptionA(x, 192, 32);
    x = b.inceptionA(x, 256, 64);
    x = b.inceptionA(x, 288, 64);
    x = b.inceptionB(x, 288);
    x = b.inceptionC(x, 768, 128);
    x = b.inceptionC(x, 768, 160);
    x = b.inceptionC(x, 768, 160);
    x = b.inceptionC(x, 768, 192);
    x = b.inceptionD(x, 768);
    x = b.inceptionE(x, 1280);
    x = b.inceptionE(x, 2048);
    String pooled = b.node("GlobalAveragePool", List.of(x), null);
    String flat = b.node("Flatten", List.of(pooled), n -> n.attr("axis", 1L));
    String w = b.weight("fc.w", 1000, 2048);
    String bias = b.bias("fc.b", 1000);
    b.graph.addNode(
        Node.builder("Gemm")
            .name("fc")
            .inputs(flat, w, bias)
            .outputs("logits")
            .attr("transB", 1L)
            .build());
    Graph g =
        b.graph
            .name("inception_v3_random")
            .addInput(ValueInfo.of("input", DataType.FLOAT, 1, 3, size, size))
            .addOutput(ValueInfo.of("logits", DataType.FLOAT, 1, 1000))
            .build();
    return Model.of(g, 13);
  }

  private static final class Builder {
    final Graph.Builder graph = Graph.builder();
    final Random rnd;
    int next;

    Builder(long seed) {
      this.rnd = new Random(seed);
    }

    String weight(String name, long... dims) {
      long fanIn = 1;
      for (int i = 1; i < dims.length; i++) {
        fanIn *= dims[i];
      }
      float[] f = new float[(int) TensorValue.elementCount(dims)];
      double sd = Math.sqrt(2.0 / fanIn);
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) (sd * rnd.nextGaussian());
      }
      graph.putInitializer(name, TensorValue.ofFloats(dims, f));
      return name;
    }

    String bias(String name, long n) {
      float[] f = new float[(int) n];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) (0.01 * rnd.nextGaussian());
      }
      graph.putInitializer(name, TensorValue.ofFloats(new long[] {n}, f));
      return name;
    }

    String node(String op, List<String> inputs, java.util.function.UnaryOperator<Node.Builder> f) {
      String out = op.toLowerCase(java.util.Locale.ROOT) + "_" + next++;
      Node.Builder nb =
          Node.builder(op).name(out).inputs(inputs.toArray(String[]::new)).outputs(out);
      graph.addNode((f == null ? nb : f.apply(nb)).build());
      return out;
    }

    /** Conv kh x kw (stride s, pads ph/pw) with bias, then Relu. */
    String conv(String x, int in, int out, int kh, int kw, int s, int ph, int pw) {
      String name = "conv" + next++;
      String w = weight(name + ".w", out, in, kh, kw);
      String bias = bias(name + ".b", out);
      graph.addNode(
          Node.builder("Conv")
              .name(name)
              .inputs(x, w, bias)
              .outputs(name + ".y")
              .attrInts("kernel_shape", kh, kw)
              .attrInts("strides", s, s)
              .attrInts("pads", ph, pw, ph, pw)
              .build());
      return node("Relu", List.of(name + ".y"), null);
    }

    String pool(String op, String x, int stride, int pad) {
      return node(
          op,
          List.of(x),
          n -> {
            n.attrInts("kernel_shape", 3, 3)
                .attrInts("strides", stride, stride)
                .attrInts("pads", pad, pad, pad, pad);
            return op.equals("AveragePool") ? n.attr("count_include_pad", 1L) : n;
          });
    }

    String concat(String... xs) {
      return node("Concat", List.of(xs), n -> n.attr("axis", 1L));
    }

    String inceptionA(String x, int in, int poolFeatures) {
      String b1 = conv(x, in, 64, 1, 1, 1, 0, 0);
      String b5 = conv(conv(x, in, 48, 1, 1, 1, 0, 0), 48, 64, 5, 5, 1, 2, 2);
      String b3 = conv(x, in, 64, 1, 1, 1, 0, 0);
      b3 = conv(conv(b3, 64, 96, 3, 3, 1, 1, 1), 96, 96, 3, 3, 1, 1, 1);
      String bp = conv(pool("AveragePool", x, 1, 1), in, poolFeatures, 1, 1, 1, 0, 0);
      return concat(b1, b5, b3, bp);
    }

    String inceptionB(String x, int in) {
      String b3 = conv(x, in, 384, 3, 3, 2, 0, 0);
      String bd = conv(x, in, 64, 1, 1, 1, 0, 0);
      bd = conv(conv(bd, 64, 96, 3, 3, 1, 1, 1), 96, 96, 3, 3, 2, 0, 0);
      return concat(b3, bd, pool("MaxPool", x, 2, 0));
    }

    String inceptionC(String x, int in, int c7) {
      String b1 = conv(x, in, 192, 1, 1, 1, 0, 0);
      String b7 = conv(x, in, c7, 1, 1, 1, 0, 0);
      b7 = conv(conv(b7, c7, c7, 1, 7, 1, 0, 3), c7, 192, 7, 1, 1, 3, 0);
      String bd = conv(x, in, c7, 1, 1, 1, 0, 0);
      bd = conv(bd, c7, c7, 7, 1, 1, 3, 0);
      bd = conv(bd, c7, c7, 1, 7, 1, 0, 3);
      bd = conv(bd, c7, c7, 7, 1, 1, 3, 0);
      bd = conv(bd, c7, 192, 1, 7, 1, 0, 3);
      String bp = conv(pool("AveragePool", x, 1, 1), in, 192, 1, 1, 1, 0, 0);
      return concat(b1, b7, bd, bp);
    }

    String inceptionD(String x, int in) {
      String b3 = conv(conv(x, in, 192, 1, 1, 1, 0, 0), 192, 320, 3, 3, 2, 0, 0);
      String b7 = conv(x, in, 192, 1, 1, 1, 0, 0);
      b7 = conv(conv(b7, 192, 192, 1, 7, 1, 0, 3), 192, 192, 7, 1, 1, 3, 0);
      b7 = conv(b7, 192, 192, 3, 3, 2, 0, 0);
      return concat(b3, b7, pool("MaxPool", x, 2, 0));
    }

    String inceptionE(String x, int in) {
      String b1 = conv(x, in, 320, 1, 1, 1, 0, 0);
      String b3 = conv(x, in, 384, 1, 1, 1, 0, 0);
      String b3a = conv(b3, 384, 384, 1, 3, 1, 0, 1);
      String b3b = conv(b3, 384, 384, 3, 1, 1, 1, 0);
      String bd = conv(conv(x, in, 448, 1, 1, 1, 0, 0), 448, 384, 3, 3, 1, 1, 1);
      String bda = conv(bd, 384, 384, 1, 3, 1, 0, 1);
      String bdb = conv(bd, 384, 384, 3, 1, 1, 1, 0);
      String bp = conv(pool("AveragePool", x, 1, 1), in, 192, 1, 1, 1, 0, 0);
      return concat(b1, b3a, b3b, bda, bdb, bp);
    }
  }
}
