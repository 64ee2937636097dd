package org.lowrank.train.refit;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank.decomp.InputMoment;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.progress.ProgressListener;
import org.lowrank.rewrite.ConvLayer;
import org.lowrank.rewrite.DenseLayer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.tensor.DenseTensor;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.exec.MemoryBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asymmetric (sequential) data-aware factorization (Zhang et al., TPAMI 2016): layers are
 * factorized one at a time in graph order, each fitted to the inputs X̂ it receives in the model
 * compressed so far while its target stays the original layer's output W X on the same images:
 *
 * <pre>
 *   min_Ŵ ||W X - Ŵ X̂||_F^2 = ||W X - W' X̂||_F^2 + N tr((W' - Ŵ) Ŝ (W' - Ŵ)^T),
 *   W' = W C Ŝ^-1,   C = X X̂^T / N,   Ŝ = X̂ X̂^T / N (+ ridge)
 * </pre>
 *
 * so the structured problem is the symmetric data-aware factorization of W' with the moment Ŝ. With
 * a bias b the bias is fitted too: the optimal b̂ = b + W mu - Ŵ mû (mu, mû the input means) leaves
 * the same problem on centered inputs, C = E[(x - mu)(x̂ - mû)^T], Ŝ = E[(x̂ - mû)(x̂ - mû)^T]; the
 * mean shift the compressed inputs carry is then absorbed by the bias instead of competing with the
 * directions the factors must keep. Moments are accumulated in float64 over chunks of images as in
 * {@link OutputReconstruction}; the ridge is {@link InputMoment#RIDGE} tr(Ŝ) / n. Layers without a
 * patch view (see {@link InputMoments}) or with too few samples ({@link InputMoment#enoughSamples})
 * are factorized from their weights.
 *
 * <p>Cost: both models' values at the cut before the previous layer are held per chunk of images
 * (within a quarter of the {@link MemoryBudget}), so a layer's inputs are computed from them, not
 * by a pass from the images: each node runs about once per image over the whole fit, not once per
 * later layer. A 2-D conv's patches are cut out of its input in Java ({@link
 * AffineNode#patchSamples}). What remains per layer is the moment pass (2 n^2 N flops for Ŝ and C)
 * and the fit itself.
 */
public final class SequentialFactorization {
  private static final Logger LOG = LoggerFactory.getLogger(SequentialFactorization.class);

  /** Factorizes {@code layer} of {@code graph} (weight possibly replaced by W'), with moment S. */
  @FunctionalInterface
  public interface LayerFit {
    FactorizedLayer factorize(Graph graph, String layer, InputMoment moment);
  }

  /**
   * The compressed model, the factorization of each layer (of W', in graph order), the layers
   * fitted to data (the others were factorized from their weights) and the refitted biases b̂ by
   * initializer name (as named in the original model), which a dense reference of the compressed
   * model needs besides the reconstructed weights.
   */
  public record Result(
      Model model,
      Map<String, FactorizedLayer> layers,
      Set<String> fitted,
      Map<String, TensorValue> biases,
      double seconds) {}

  private SequentialFactorization() {}

  /**
   * @param layers the layers to factorize, by name in {@code original}, in graph order
   * @param images calibration inputs for the first model input, batch first
   */
  public static Result run(
      Model original,
      List<String> layers,
      TensorValue images,
      int maxChunk,
      LayerFit fit,
      ProgressListener listener) {
    return run(original, layers, images, maxChunk, fit, listener, true);
  }

  /**
   * @param centered fit the centered inputs and refit the bias with the weight (the default, for
   *     layers with a plain bias); false: the uncentered moments, bias kept
   */
  public static Result run(
      Model original,
      List<String> layers,
      TensorValue images,
      int maxChunk,
      LayerFit fit,
      ProgressListener listener,
      boolean centered) {
    long t0 = System.nanoTime();
    LinearAlgebra la = LinearAlgebra.defaultInstance();
    String input = original.graph().runtimeInputs().get(0).name();
    Model current = original;
    Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
    Set<String> fitted = new LinkedHashSet<>();
    Map<String, TensorValue> biases = new LinkedHashMap<>();
    int chunk =
        OutputReconstruction.chunkSize(2 * maxPatchValues(original, layers, images), maxChunk);
    List<TensorValue> chunks = OutputReconstruction.chunks(images, chunk);
    long budget = MemoryBudget.configured().bytes() / 4;
    Frontier teacherFront = new Frontier(input, chunks, budget);
    Frontier studentFront = new Frontier(input, chunks, budget);
    listener.start("factorize (sequential)", layers.size());
    for (String layer : layers) {
      listener.progress(specs.size(), "factorizing " + layer);
      AffineNode teacherNode =
          AffineNode.of(original.graph(), LayerRewriter.findLayer(original.graph(), layer));
      AffineNode studentNode =
          AffineNode.of(current.graph(), LayerRewriter.findLayer(current.graph(), layer));
      FactorizedLayer f;
      if (teacherNode == null || studentNode == null) {
        f = fit.factorize(current.graph(), layer, null);
      } else {
        int n = teacherNode.features();
        double[] s = null;
        double[] c = null;
        double[] mean = new double[n];
        double[] meanHat = new double[n];
        long count;
        try (GraphExecutor teacher = GraphExecutor.of(teacherNode.sampleModel(original));
            GraphExecutor student = GraphExecutor.of(studentNode.sampleModel(current))) {
          List<String> teacherCut = cut(original.graph(), teacherNode.node());
          List<String> studentCut = cut(current.graph(), studentNode.node());
          TensorValue first = teacherFront.advance(0, teacher, teacherCut, teacherNode.sampleTap());
          double[] firstSamples = teacherNode.samplesFrom(first);
          count = images.dims()[0] * (firstSamples.length / n / first.dims()[0]);
          if (InputMoments.enoughSamples(layer, count, n, "--fit-images")) {
            s = new double[n * n];
            c = new double[n * n];
            for (int k = 0; k < teacherFront.chunks(); k++) {
              double[] xs =
                  k == 0
                      ? firstSamples
                      : teacherNode.samplesFrom(
                          teacherFront.advance(k, teacher, teacherCut, teacherNode.sampleTap()));
              double[] hs =
                  studentNode.samplesFrom(
                      studentFront.advance(k, student, studentCut, studentNode.sampleTap()));
              int samples = xs.length / n;
              add(s, la.gram(hs, n, samples, true));
              add(c, la.multiply(false, true, n, n, samples, xs, hs));
              addRowSums(mean, xs, samples);
              addRowSums(meanHat, hs, samples);
            }
          }
        }
        if (s == null) {
          // too few samples to estimate an n x n moment (warned above): the fit would follow the
          // noise of this handful of inputs (a dense layer gets one sample per image)
          f = fit.factorize(current.graph(), layer, null);
        } else {
          for (int i = 0; i < s.length; i++) {
            s[i] /= count;
            c[i] /= count;
          }
          for (int i = 0; i < n; i++) {
            mean[i] /= count;
            meanHat[i] /= count;
          }
          boolean withBias = centered && adjustableBias(studentNode);
          if (withBias) {
            // the bias is refitted too: fit the centered inputs, then b̂ = b + W mu - Ŵ mû
            for (int i = 0; i < n; i++) {
              for (int j = 0; j < n; j++) {
                s[i * n + j] -= meanHat[i] * meanHat[j];
                c[i * n + j] -= mean[i] * meanHat[j];
              }
            }
          }
          InputMoment moment = new InputMoment(s, n, count);
          TensorValue w = weight(current.graph(), layer);
          int m = Math.toIntExact(w.elementCount() / n);
          double[] wd = DenseTensor.fromFloats(w.toFloatArray(), m, n).toArray();
          double[] wc = la.multiply(false, false, m, n, n, wd, c);
          double[] sr = s.clone();
          double lambda = moment.ridge();
          for (int i = 0; i < n; i++) {
            sr[i * n + i] += lambda;
          }
          double[] wpt = la.solveSymmetric(sr, n, transpose(wc, m, n), m); // W'^T = Ŝ^-1 (W C)^T
          float[] wp = new float[m * n];
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              wp[i * n + j] = (float) wpt[j * m + i];
            }
          }
          Model target =
              LayerRewriter.withWeight(current, layer, TensorValue.ofFloats(w.dims(), wp));
          f = fit.factorize(target.graph(), layer, moment);
          if (withBias) {
            current = withBias(current, studentNode, wd, f, mean, meanHat, m, n);
            biases.put(studentNode.bias(), current.graph().initializers().get(studentNode.bias()));
          }
          fitted.add(layer);
        }
      }
      current = LayerRewriter.rewrite(current, layer, f);
      specs.put(layer, f);
      listener.progress(specs.size(), layer);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    listener.finish(specs.size() + " layers");
    LOG.info(
        "sequential data-aware factorization of {} layers on {} images in {} s",
        specs.size(),
        images.dims()[0],
        String.format(java.util.Locale.ROOT, "%.1f", seconds));
    return new Result(current, specs, fitted, biases, seconds);
  }

  /**
   * The most input samples x features one image gives a layer (patch features x output positions of
   * a conv, features of a dense layer), from one image through {@code original}.
   */
  private static long maxPatchValues(Model original, List<String> layers, TensorValue images) {
    Map<String, AffineNode> byOutput = new LinkedHashMap<>();
    for (String layer : layers) {
      AffineNode a =
          AffineNode.of(original.graph(), LayerRewriter.findLayer(original.graph(), layer));
      if (a != null) {
        byOutput.put(a.node().output(0), a);
      }
    }
    long max = 1;
    if (byOutput.isEmpty()) {
      return max;
    }
    String input = original.graph().runtimeInputs().get(0).name();
    try (GraphExecutor exec = GraphExecutor.of(original)) {
      Map<String, TensorValue> out =
          exec.featureMapValues(
              Map.of(input, OutputReconstruction.slice(images, 0, 1)), byOutput.keySet());
      for (Map.Entry<String, TensorValue> e : out.entrySet()) {
        AffineNode a = byOutput.get(e.getKey());
        long positions = e.getValue().elementCount() / Math.max(1, a.outputs());
        max = Math.max(max, positions * a.features());
      }
    }
    return max;
  }

  /**
   * The tensors crossing the cut just before {@code node} in {@code g}'s node order: the runtime
   * inputs and outputs of earlier nodes (not Constant nodes) that {@code node} or a later node
   * reads. Every later tensor can be computed from them and the initializers.
   */
  static List<String> cut(Graph g, Node node) {
    List<Node> nodes = g.nodes();
    int pos = nodes.indexOf(node);
    for (int i = 0; pos < 0 && i < nodes.size(); i++) {
      Node x = nodes.get(i);
      if (x.name().equals(node.name()) && x.outputs().equals(node.outputs())) {
        pos = i;
      }
    }
    if (pos < 0) {
      throw new IllegalArgumentException("node " + node.label() + " is not in the graph");
    }
    Set<String> before = new java.util.HashSet<>();
    g.runtimeInputs().forEach(v -> before.add(v.name()));
    for (int i = 0; i < pos; i++) {
      Node x = nodes.get(i);
      if (!(x.opType().equals("Constant") && x.domain().isEmpty())) {
        before.addAll(x.outputs());
      }
    }
    Set<String> cut = new LinkedHashSet<>();
    for (int i = pos; i < nodes.size(); i++) {
      for (String in : nodes.get(i).inputs()) {
        if (!in.isEmpty() && before.contains(in)) {
          cut.add(in);
        }
      }
    }
    return List.copyOf(cut);
  }

  /**
   * One model's values at the latest cut reached, per chunk of fit images: a layer's inputs are
   * computed from the cut before the previous layer instead of from the images, so over the whole
   * sequential fit each node runs about once per image instead of once per later layer. The values
   * are held while all chunks' values fit in the byte budget; beyond it a chunk starts from its
   * images again (the pass from the images each layer, as without the cache).
   */
  private static final class Frontier {
    private final List<Map<String, TensorValue>> images = new java.util.ArrayList<>();
    private final List<Map<String, TensorValue>> held = new java.util.ArrayList<>();
    private final long[] heldBytes;
    private final long budgetBytes;

    Frontier(String input, List<TensorValue> chunks, long budgetBytes) {
      for (TensorValue x : chunks) {
        images.add(Map.of(input, x));
        held.add(Map.of(input, x));
      }
      this.heldBytes = new long[chunks.size()];
      this.budgetBytes = budgetBytes;
    }

    int chunks() {
      return images.size();
    }

    /**
     * The value of {@code tap} on chunk {@code k}, computed by {@code exec} from the values held
     * for that chunk (from its images when {@code exec}'s graph lacks one of them); the values of
     * {@code cut} (a cut of {@code exec}'s graph before the node reading {@code tap}'s inputs) are
     * held next.
     */
    TensorValue advance(int k, GraphExecutor exec, List<String> cut, String tap) {
      Map<String, TensorValue> known = held.get(k);
      if (!known.keySet().stream().allMatch(exec::hasTensor)) {
        known = images.get(k);
      }
      List<String> taps = new java.util.ArrayList<>(cut);
      if (!taps.contains(tap)) {
        taps.add(tap);
      }
      Map<String, TensorValue> out = exec.featureMapValuesFrom(known, taps);
      Map<String, TensorValue> next = new LinkedHashMap<>();
      long bytes = 0;
      for (String name : cut) {
        TensorValue v = out.get(name);
        next.put(name, v);
        bytes += v.elementCount() * Float.BYTES;
      }
      long total = bytes;
      for (int i = 0; i < heldBytes.length; i++) {
        total += i == k ? 0 : heldBytes[i];
      }
      if (total <= budgetBytes) {
        held.set(k, next);
        heldBytes[k] = bytes;
      } else {
        held.set(k, images.get(k));
        heldBytes[k] = 0;
      }
      return out.get(tap);
    }
  }

  /** The layer's weight: conv [Cout, Cin, k..] or dense [out, in]. */
  private static TensorValue weight(Graph g, String layer) {
    Node node = LayerRewriter.findLayer(g, layer);
    return ConvLayer.isConvOp(node)
        ? ConvLayer.of(g, node).weight()
        : DenseLayer.of(g, node).weight();
  }

  /** Whether the layer's bias can be rewritten as a plain c in y = W x + c (own initializer). */
  private static boolean adjustableBias(AffineNode a) {
    return a.hasBias() && a.alpha() == 1f && a.beta() == 1f;
  }

  /**
   * The model with the layer's bias b replaced by b + W mu - Ŵ mû, the optimal bias for the
   * factorized weight Ŵ: the mean output of the original layer on the original inputs minus that of
   * Ŵ on the compressed model's inputs.
   */
  private static Model withBias(
      Model model,
      AffineNode node,
      double[] w,
      FactorizedLayer f,
      double[] mean,
      double[] meanHat,
      int m,
      int n) {
    double[] approx = f.reconstruct().toDoubleArray();
    TensorValue b0 = model.graph().initializers().get(node.bias());
    double[] b = b0.toDoubleArray();
    float[] out = new float[m];
    for (int o = 0; o < m; o++) {
      double v = b[o];
      for (int i = 0; i < n; i++) {
        v += w[o * n + i] * mean[i] - approx[o * n + i] * meanHat[i];
      }
      out[o] = (float) v;
    }
    return model.withGraph(
        model.graph().toBuilder()
            .putInitializer(node.bias(), TensorValue.ofFloats(b0.dataType(), b0.dims(), out))
            .build());
  }

  /** sum[i] += the sum of row i of x [sum.length, samples]. */
  private static void addRowSums(double[] sum, double[] x, int samples) {
    for (int i = 0; i < sum.length; i++) {
      double t = 0;
      for (int j = 0; j < samples; j++) {
        t += x[i * samples + j];
      }
      sum[i] += t;
    }
  }

  private static void add(double[] sum, double[] x) {
    for (int i = 0; i < x.length; i++) {
      sum[i] += x[i];
    }
  }

  private static double[] transpose(double[] x, int rows, int cols) {
    double[] t = new double[x.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = x[i * cols + j];
      }
    }
    return t;
  }
}
