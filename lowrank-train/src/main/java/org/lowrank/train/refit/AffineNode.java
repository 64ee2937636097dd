package org.lowrank.train.refit;

import java.util.Arrays;
import java.util.List;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.ops.ConvAttributes;
import org.lowrank.ops.Window;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.DenseLayer;

/**
 * The last node of a factorized layer seen as an affine map {@code y = M z + c} over its R input
 * features (package-private): a Conv of group 1 (M = W [C_out, C_in K]; for a 1x1 stride-1 conv z
 * is its input, otherwise z is the conv's input patches, C_in K features per output position,
 * computed by a probe conv with a one-hot kernel: im2col in the graph), a Gemm {@code alpha z W^T +
 * beta c} (M = alpha W, c scaled by beta) or a MatMul {@code z B} (M = B^T, no c). Its weight and
 * bias must be initializers read by this node only.
 *
 * @param patches the probe node producing {@link #input()} (null when the input is used as is)
 * @param patchKernel the probe's one-hot kernel [C_in K, C_in, k..] (null without a probe)
 */
record AffineNode(
    Node node,
    String input,
    String weight,
    String bias,
    Kind kind,
    float alpha,
    float beta,
    int features,
    int outputs,
    Node patches,
    TensorValue patchKernel) {

  /** Convs with more input patch features than this are not refitted (Gram matrix size). */
  static final int MAX_FEATURES = 1024;

  enum Kind {
    CONV,
    GEMM_OUT_IN,
    GEMM_IN_OUT,
    MATMUL
  }

  boolean hasBias() {
    return !bias.isEmpty();
  }

  /** The node as an affine map, or null when it is not one of the supported forms. */
  static AffineNode of(Graph g, Node n) {
    if (!n.domain().isEmpty()) {
      return null;
    }
    try {
      if (n.opType().equals("Conv")) {
        ConvLayer c = ConvLayer.of(g, n);
        if (c.isGrouped()) {
          return null;
        }
        boolean pointwise =
            Arrays.stream(c.kernel()).allMatch(k -> k == 1)
                && Arrays.stream(c.strides()).allMatch(s -> s == 1)
                && Arrays.stream(c.pads()).allMatch(p -> p == 0)
                && (c.autoPad().equals("NOTSET") || c.autoPad().equals("VALID"));
        if (pointwise) {
          return checked(
              g,
              new AffineNode(
                  n,
                  n.input(0),
                  c.weightName(),
                  c.biasName(),
                  Kind.CONV,
                  1f,
                  1f,
                  (int) c.inChannels(),
                  (int) c.outChannels(),
                  null,
                  null));
        }
        long kk = 1;
        for (long k : c.kernel()) {
          kk *= k;
        }
        long features = c.inChannels() * kk;
        if (features > MAX_FEATURES) {
          return null;
        }
        TensorValue eye = oneHotPatches((int) c.inChannels(), c.kernel());
        String patchOut = n.output(0) + "/refit_patches";
        Node.Builder pb =
            Node.builder("Conv")
                .name(n.name() + "/refit_patches")
                .inputs(n.input(0), patchOut + ".kernel")
                .outputs(patchOut)
                .attrInts("kernel_shape", c.kernel())
                .attrInts("strides", c.strides())
                .attrInts("dilations", c.dilations());
        if (c.autoPad().equals("NOTSET")) {
          pb.attrInts("pads", c.pads());
        } else {
          pb.attr("auto_pad", c.autoPad());
        }
        return checked(
            g,
            new AffineNode(
                n,
                patchOut,
                c.weightName(),
                c.biasName(),
                Kind.CONV,
                1f,
                1f,
                (int) features,
                (int) c.outChannels(),
                pb.build(),
                eye));
      }
      if (n.opType().equals("Gemm") || n.opType().equals("MatMul")) {
        DenseLayer d = DenseLayer.of(g, n);
        if (d.weightOnLeft() || d.transA() || d.alpha() == 0f) {
          return null;
        }
        Kind kind = !d.isGemm() ? Kind.MATMUL : d.transB() ? Kind.GEMM_OUT_IN : Kind.GEMM_IN_OUT;
        String bias = d.isGemm() && d.beta() != 0f ? d.biasName() : "";
        return checked(
            g,
            new AffineNode(
                n,
                n.input(0),
                d.weightName(),
                bias,
                kind,
                d.alpha(),
                d.beta(),
                (int) d.inFeatures(),
                (int) d.outFeatures(),
                null,
                null));
      }
    } catch (RuntimeException e) {
      return null;
    }
    return null;
  }

  /** The kernel [C K, C, k..] whose output channel c K + s copies input channel c at offset s. */
  static TensorValue oneHotPatches(int channels, long[] kernel) {
    int kk = 1;
    for (long k : kernel) {
      kk *= (int) k;
    }
    long[] dims = new long[2 + kernel.length];
    dims[0] = (long) channels * kk;
    dims[1] = channels;
    System.arraycopy(kernel, 0, dims, 2, kernel.length);
    float[] v = new float[Math.toIntExact(TensorValue.elementCount(dims))];
    for (int c = 0; c < channels; c++) {
      for (int s = 0; s < kk; s++) {
        int out = c * kk + s;
        v[(out * channels + c) * kk + s] = 1f;
      }
    }
    return TensorValue.ofFloats(dims, v);
  }

  /** {@code model} with the patch probe inserted just before this node (itself when none). */
  Model probe(Model model) {
    if (patches == null) {
      return model;
    }
    Graph g = model.graph();
    List<Node> nodes = new java.util.ArrayList<>();
    for (Node x : g.nodes()) {
      if (x == node || x.name().equals(node.name()) && x.outputs().equals(node.outputs())) {
        nodes.add(patches);
      }
      nodes.add(x);
    }
    return model.withGraph(
        g.toBuilder().nodes(nodes).putInitializer(patches.input(1), patchKernel).build());
  }

  /**
   * The tensor whose values give this node's input samples ({@link #samplesFrom}): the conv's own
   * input where its patches are cut out in Java (a 2-D conv with explicit pads), else {@link
   * #input()}.
   */
  String sampleTap() {
    return im2col() ? node.input(0) : input;
  }

  /**
   * The model in which {@link #sampleTap()} is computed: {@code model}, with the probe if needed.
   */
  Model sampleModel(Model model) {
    return im2col() ? model : probe(model);
  }

  /** The features x S sample matrix from the value of {@link #sampleTap()}. */
  double[] samplesFrom(TensorValue t) {
    return im2col() ? patchSamples(t) : samples(t, features, false);
  }

  private boolean im2col() {
    return patches != null
        && patches.attrLongs("kernel_shape", new long[0]).length == 2
        && patches.hasAttribute("pads");
  }

  /**
   * The patches of a 2-D conv's input x [N, C_in, H, W] as the probe conv gives them, without
   * running it (im2col; the window geometry from {@link ConvAttributes#window}): a [C_in K, N P]
   * row-major matrix, row c K + s for channel c and kernel offset s = ky k_w + kx, column i P + q
   * for image i and output position q = oy W_out + ox, with x[i, c, oy stride_y - pad_top + ky
   * dilation_y, ox stride_x - pad_left + kx dilation_x] (zero outside the image).
   */
  double[] patchSamples(TensorValue x) {
    long[] dims = x.dims();
    long[] k = patches.attrLongs("kernel_shape", null);
    if (dims.length != 4 || dims[1] * k[0] * k[1] != features) {
      throw shape(x, "[N, " + features / (k[0] * k[1]) + ", H, W]");
    }
    int n = (int) dims[0];
    int c = (int) dims[1];
    int h = (int) dims[2];
    int w = (int) dims[3];
    int kh = (int) k[0];
    int kw = (int) k[1];
    Window win = ConvAttributes.of(patches).window(new long[] {h, w}, k);
    long[] st = win.strides();
    long[] dl = win.dilations();
    long[] pads = win.pads();
    int oh = (int) win.outSpatial()[0];
    int ow = (int) win.outSpatial()[1];
    int p = oh * ow;
    int s = n * p;
    float[] v = x.toFloatArray();
    double[] a = new double[features * s];
    for (int i = 0; i < n; i++) {
      for (int ch = 0; ch < c; ch++) {
        for (int ky = 0; ky < kh; ky++) {
          for (int kx = 0; kx < kw; kx++) {
            int dst = ((ch * kh + ky) * kw + kx) * s + i * p;
            for (int oy = 0; oy < oh; oy++) {
              long iy = oy * st[0] - pads[0] + ky * dl[0];
              if (iy < 0 || iy >= h) {
                continue;
              }
              int src = (int) (((long) (i * c + ch) * h + iy) * w);
              for (int ox = 0; ox < ow; ox++) {
                long ix = ox * st[1] - pads[1] + kx * dl[1];
                if (ix >= 0 && ix < w) {
                  a[dst + oy * ow + ox] = v[src + (int) ix];
                }
              }
            }
          }
        }
      }
    }
    return a;
  }

  private static AffineNode checked(Graph g, AffineNode a) {
    if (!ownInitializer(g, a.weight, a.node)) {
      return null;
    }
    if (a.hasBias()
        && (!ownInitializer(g, a.bias, a.node)
            || g.initializers().get(a.bias).elementCount() != a.outputs)) {
      return null;
    }
    return a;
  }

  private static boolean ownInitializer(Graph g, String name, Node node) {
    if (!g.initializers().containsKey(name)) {
      return false;
    }
    List<Node> readers = g.consumers().getOrDefault(name, List.of());
    return readers.size() == 1 && readers.get(0) == node;
  }

  /**
   * A tensor as a (width [+1]) x S sample matrix: [N, width, spatial..] for a Conv, [.., width] for
   * a dense node; with {@code appendOne} a last row of ones.
   */
  double[] samples(TensorValue t, int width, boolean appendOne) {
    float[] v = t.toFloatArray();
    long[] dims = t.dims();
    int rows = appendOne ? width + 1 : width;
    double[] a;
    if (kind == Kind.CONV) {
      if (dims.length < 2 || dims[1] != width) {
        throw shape(t, "[N, " + width + ", spatial..]");
      }
      int n = (int) dims[0];
      int p = (int) (t.elementCount() / ((long) n * width));
      int s = n * p;
      a = new double[rows * s];
      for (int i = 0; i < n; i++) {
        for (int r = 0; r < width; r++) {
          int src = (i * width + r) * p;
          int dst = r * s + i * p;
          for (int q = 0; q < p; q++) {
            a[dst + q] = v[src + q];
          }
        }
      }
    } else {
      if (dims.length < 1 || dims[dims.length - 1] != width) {
        throw shape(t, "[.., " + width + "]");
      }
      int s = (int) (t.elementCount() / width);
      a = new double[rows * s];
      for (int i = 0; i < s; i++) {
        for (int r = 0; r < width; r++) {
          a[r * s + i] = v[i * width + r];
        }
      }
    }
    if (appendOne) {
      int s = a.length / rows;
      Arrays.fill(a, width * s, rows * s, 1.0);
    }
    return a;
  }

  private IllegalStateException shape(TensorValue t, String expected) {
    return new IllegalStateException(
        node.label() + ": expected a tensor " + expected + ", found " + Arrays.toString(t.dims()));
  }

  /**
   * The current affine map as X = [M c]^T, an n x C row-major matrix (n = R, or R + 1 with a bias:
   * row R holds c), the layout of the normal equations' solution.
   */
  double[] currentMatrix(Graph g, int n) {
    double[] w = g.initializers().get(weight).toDoubleArray();
    double[] x = new double[n * outputs];
    for (int o = 0; o < outputs; o++) {
      for (int r = 0; r < features; r++) {
        x[r * outputs + o] = alpha * w[storedIndex(o, r)];
      }
    }
    if (hasBias()) {
      double[] b = g.initializers().get(bias).toDoubleArray();
      for (int o = 0; o < outputs; o++) {
        x[features * outputs + o] = beta * b[o];
      }
    }
    return x;
  }

  /** Index of element (out o, in r) in the stored weight. */
  private int storedIndex(int o, int r) {
    return switch (kind) {
      case CONV, GEMM_OUT_IN -> o * features + r;
      case GEMM_IN_OUT, MATMUL -> r * outputs + o;
    };
  }

  /** The model with this node's weight (and bias) replaced by X = [M c]^T (n x C, row-major). */
  Model withWeights(Model model, double[] x) {
    Graph g = model.graph();
    TensorValue w0 = g.initializers().get(weight);
    float[] w = new float[Math.toIntExact(w0.elementCount())];
    for (int o = 0; o < outputs; o++) {
      for (int r = 0; r < features; r++) {
        w[storedIndex(o, r)] = (float) (x[r * outputs + o] / alpha);
      }
    }
    Graph.Builder b =
        g.toBuilder().putInitializer(weight, TensorValue.ofFloats(w0.dataType(), w0.dims(), w));
    if (hasBias()) {
      TensorValue b0 = g.initializers().get(bias);
      float[] c = new float[outputs];
      for (int o = 0; o < outputs; o++) {
        c[o] = (float) (x[features * outputs + o] / beta);
      }
      b.putInitializer(bias, TensorValue.ofFloats(b0.dataType(), b0.dims(), c));
    }
    return model.withGraph(b.build());
  }
}
