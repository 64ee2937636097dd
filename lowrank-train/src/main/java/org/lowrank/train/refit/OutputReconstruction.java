package org.lowrank.train.refit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.progress.ProgressListener;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.exec.MemoryBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Output reconstruction: refits the last factor of every factorized layer by least squares so that
 * the compressed layer's output matches the original layer's output on calibration images.
 *
 * <p>The last node of a factorized layer is affine in its input: {@code y = M z + c}, with z the
 * output of the earlier factors (R channels of a 1x1 Conv, the R = C_in K input patch values of a
 * kxk Conv, or R features of a Gemm/MatMul) and y the layer's C outputs. Over S samples (images x
 * spatial positions), with Z (R x S) taken from the <em>compressed</em> model, so that the error of
 * every earlier compressed layer is corrected too (asymmetric reconstruction, Zhang et al. 2016),
 * and Y* (C x S) from the original model; Zc is Z with each feature's mean removed (Z itself
 * without a bias):
 *
 * <pre>
 *   min_{M, c} ||M Z + c 1^T - Y*||_F^2 + lambda ||M||_F^2,   A = [Z; 1^T]  ((R+1) x S)
 *   [M c] = Y* A^T (A A^T + lambda D)^-1,   D = diag(1, .., 1, 0),  lambda = ridge * tr(Zc Zc^T) / R
 * </pre>
 *
 * <p>Layers are refitted one at a time in the given (graph) order; the Gram matrices are
 * accumulated over chunks of images, so memory stays at one chunk's feature maps. A layer whose
 * last node is not such an affine map (TT-matrix chains, grouped convs such as CP's depthwise ones)
 * or that has too few samples for its R+1 unknowns per output is left as it is, with the reason
 * recorded.
 */
public final class OutputReconstruction {
  private static final Logger LOG = LoggerFactory.getLogger(OutputReconstruction.class);

  /**
   * @param ridge lambda relative to the mean feature variance, tr(Zc Zc^T) / R (default 1e-4)
   * @param minSamplesPerUnknown a layer is refitted only with at least this many samples per
   *     unknown of one output row (R + 1); default 4
   * @param chunk images per forward pass (default 64)
   */
  public record Settings(double ridge, int minSamplesPerUnknown, int chunk) {
    public Settings {
      if (!(ridge >= 0) || Double.isInfinite(ridge)) {
        throw new IllegalArgumentException("ridge must be finite and >= 0, got " + ridge);
      }
      if (minSamplesPerUnknown < 1 || chunk < 1) {
        throw new IllegalArgumentException(
            "minSamplesPerUnknown and chunk must be >= 1, got "
                + minSamplesPerUnknown
                + ", "
                + chunk);
      }
    }

    public static Settings defaults() {
      return new Settings(1e-4, 4, 64);
    }
  }

  /**
   * One layer's outcome. Errors are relative, ||y - y*||_F / ||y*||_F over the calibration samples,
   * with the compressed model's input to the last node; NaN when skipped.
   *
   * @param skipped why the layer was left as it is, or null when it was refitted
   */
  public record LayerFit(
      String layer,
      String node,
      int features,
      long samples,
      double errorBefore,
      double errorAfter,
      String skipped) {
    public boolean refitted() {
      return skipped == null;
    }
  }

  /** The compressed model with the refitted last factors, and what happened per layer. */
  public record Result(Model model, List<LayerFit> layers, double seconds) {}

  /**
   * Values of the last node's input and output held at once per chunk (about 128 MiB as doubles).
   */
  static final long MAX_CHUNK_VALUES = 16L << 20;

  /**
   * Images per forward pass when one image's feature maps hold {@code perImageValues} values
   * (accumulated as float64, 8 bytes each): at most {@code maxChunk}, at most {@link
   * #MAX_CHUNK_VALUES} values, and within the configured {@link MemoryBudget}; at least 1.
   */
  static int chunkSize(long perImageValues, int maxChunk) {
    long perImage = Math.max(1, perImageValues);
    int byValues = (int) Math.max(1, Math.min(maxChunk, MAX_CHUNK_VALUES / perImage));
    return MemoryBudget.configured().items(perImage * Double.BYTES, byValues);
  }

  /**
   * A last conv with more input patch features (C_in K) than this is not refitted: its Gram matrix
   * would be too large.
   */
  public static final int MAX_PATCH_FEATURES = AffineNode.MAX_FEATURES;

  private OutputReconstruction() {}

  /**
   * Refits the factorized layers of {@code compressed}.
   *
   * @param original the uncompressed model (same inputs and outputs)
   * @param compressed the rewritten model, whose factorized layer chains end in the original
   *     layers' output tensors
   * @param layers the factorized layers, by their name in {@code original}, in graph order
   * @param images calibration inputs for the model's first input, batch first (e.g. [N, C, H, W])
   */
  public static Result refit(
      Model original,
      Model compressed,
      List<String> layers,
      TensorValue images,
      Settings settings,
      ProgressListener listener) {
    long t0 = System.nanoTime();
    LinearAlgebra la = LinearAlgebra.defaultInstance();
    String input = original.graph().runtimeInputs().get(0).name();
    batchSize(images); // validates the batch layout up front
    List<LayerFit> fits = new ArrayList<>();
    Model current = compressed;
    listener.start("refit", layers.size());
    try (GraphExecutor teacher = GraphExecutor.of(original)) {
      for (String layer : layers) {
        String out = LayerRewriter.findLayer(original.graph(), layer).output(0);
        Node last = current.graph().producers().get(out);
        AffineNode affine = last == null ? null : AffineNode.of(current.graph(), last);
        LayerFit fit;
        if (affine == null) {
          fit =
              skipped(
                  layer,
                  last,
                  "its last node is not a Conv (group 1, at most "
                      + AffineNode.MAX_FEATURES
                      + " input patch features), Gemm or MatMul with constant weights");
        } else {
          try (GraphExecutor student = GraphExecutor.of(affine.probe(current))) {
            Normal eq =
                accumulate(la, teacher, student, input, images, settings.chunk(), out, affine);
            fit =
                solve(la, layer, affine, affine.currentMatrix(current.graph(), eq.n), eq, settings);
            if (fit.refitted()) {
              current = affine.withWeights(current, eq.solution);
            }
          }
        }
        fits.add(fit);
        LOG.debug("refit {}: {}", layer, fit);
        listener.progress(fits.size(), layer);
      }
    }
    long done = fits.stream().filter(LayerFit::refitted).count();
    listener.finish(done + "/" + layers.size() + " layers refitted");
    return new Result(current, fits, (System.nanoTime() - t0) / 1e9);
  }

  private static LayerFit skipped(String layer, Node last, String why) {
    return new LayerFit(layer, last == null ? "" : last.label(), 0, 0, Double.NaN, Double.NaN, why);
  }

  /**
   * Normal equations of one layer: G = A A^T (n x n), B = A Y*^T (n x C), yy = ||Y*||^2. The
   * unknown is X = [M c]^T (n x C), with G X = B; the solution is set by solve.
   */
  private static final class Normal {
    final int n;
    final int c;
    final double[] g;
    final double[] b;
    double yy;
    long samples;
    double[] solution;

    Normal(int n, int c) {
      this.n = n;
      this.c = c;
      this.g = new double[n * n];
      this.b = new double[n * c];
    }
  }

  /**
   * Accumulates the normal equations over the images in chunks of at most {@code maxChunk} images,
   * fewer when one image's samples of the last node's input and output exceed {@link
   * #MAX_CHUNK_VALUES} / chunk (large feature maps, many patch features).
   */
  private static Normal accumulate(
      LinearAlgebra la,
      GraphExecutor teacher,
      GraphExecutor student,
      String input,
      TensorValue images,
      int maxChunk,
      String out,
      AffineNode affine) {
    int r = affine.features();
    int n = affine.hasBias() ? r + 1 : r;
    Normal eq = new Normal(n, affine.outputs());
    TensorValue one = slice(images, 0, 1);
    long perImage =
        student
                .featureMapValues(Map.of(input, one), List.of(affine.input()))
                .get(affine.input())
                .elementCount()
            + teacher.featureMapValues(Map.of(input, one), List.of(out)).get(out).elementCount();
    int chunk = chunkSize(perImage, maxChunk);
    for (TensorValue x : chunks(images, chunk)) {
      TensorValue z =
          student.featureMapValues(Map.of(input, x), List.of(affine.input())).get(affine.input());
      TensorValue y = teacher.featureMapValues(Map.of(input, x), List.of(out)).get(out);
      double[] a = affine.samples(z, r, affine.hasBias());
      double[] ys = affine.samples(y, affine.outputs(), false);
      int s = a.length / n;
      if (ys.length / affine.outputs() != s) {
        throw new IllegalStateException(
            "layer output "
                + out
                + " has "
                + ys.length / affine.outputs()
                + " samples but its last node's input "
                + affine.input()
                + " has "
                + s);
      }
      double[] gc = la.gram(a, n, s, true);
      double[] bc = la.multiply(false, true, n, affine.outputs(), s, a, ys);
      for (int i = 0; i < gc.length; i++) {
        eq.g[i] += gc[i];
      }
      for (int i = 0; i < bc.length; i++) {
        eq.b[i] += bc[i];
      }
      for (double v : ys) {
        eq.yy += v * v;
      }
      eq.samples += s;
    }
    return eq;
  }

  private static LayerFit solve(
      LinearAlgebra la,
      String layer,
      AffineNode affine,
      double[] before,
      Normal eq,
      Settings settings) {
    int r = affine.features();
    int n = eq.n;
    String node = affine.node().label();
    if (eq.samples < (long) settings.minSamplesPerUnknown() * n) {
      return new LayerFit(
          layer,
          node,
          r,
          eq.samples,
          Double.NaN,
          Double.NaN,
          "needs >= "
              + (long) settings.minSamplesPerUnknown() * n
              + " samples for "
              + n
              + " unknowns per output, has "
              + eq.samples
              + " (use more calibration images)");
    }
    double errBefore = relativeError(la, eq, before);
    // lambda is relative to the features' variance (centered when there is a bias column)
    double trace = 0;
    for (int i = 0; i < r; i++) {
      double mean = affine.hasBias() ? eq.g[i * n + r] / eq.samples : 0;
      trace += eq.g[i * n + i] - eq.samples * mean * mean;
    }
    trace = Math.max(trace, 0);
    double lambda = settings.ridge() * trace / Math.max(1, r);
    double[] gReg = eq.g.clone();
    for (int i = 0; i < r; i++) {
      gReg[i * n + i] += lambda;
    }
    // (G + lambda D) X = B, X = [M c]^T (n x C)
    double[] after;
    try {
      after = la.solveSymmetric(gReg, n, eq.b, eq.c);
    } catch (RuntimeException e) {
      return new LayerFit(
          layer,
          node,
          r,
          eq.samples,
          errBefore,
          Double.NaN,
          "least squares failed: " + e.getMessage());
    }
    double errAfter = relativeError(la, eq, after);
    if (!(errAfter < errBefore)) {
      return new LayerFit(
          layer,
          node,
          r,
          eq.samples,
          errBefore,
          errAfter,
          "the refit did not lower the error on the calibration samples");
    }
    eq.solution = after;
    return new LayerFit(layer, node, r, eq.samples, errBefore, errAfter, null);
  }

  /**
   * ||X^T A - Y*||_F / ||Y*||_F from the normal equations: sqrt(tr(X^T G X) - 2 tr(X^T B) + yy) /
   * sqrt(yy), for X = [M c]^T (n x C).
   */
  private static double relativeError(LinearAlgebra la, Normal eq, double[] x) {
    double[] gx = la.multiply(eq.g, x, eq.n, eq.n, eq.c);
    double sq = eq.yy;
    for (int i = 0; i < x.length; i++) {
      sq += gx[i] * x[i] - 2 * x[i] * eq.b[i];
    }
    return eq.yy > 0 ? Math.sqrt(Math.max(0, sq) / eq.yy) : 0;
  }

  /** Splits [N, ...] into consecutive batches of at most {@code size} along the first axis. */
  static List<TensorValue> chunks(TensorValue images, int size) {
    long n = batchSize(images);
    float[] all = images.toFloatArray();
    List<TensorValue> out = new ArrayList<>();
    for (long from = 0; from < n; from += size) {
      out.add(slice(all, images.dims(), from, (int) Math.min(size, n - from)));
    }
    return out;
  }

  /** Images {@code from} .. {@code from + count - 1} of a batch-first tensor. */
  static TensorValue slice(TensorValue images, long from, int count) {
    batchSize(images);
    return slice(images.toFloatArray(), images.dims(), from, count);
  }

  private static TensorValue slice(float[] all, long[] dims, long from, int count) {
    int per = Math.toIntExact(all.length / dims[0]);
    long[] d = dims.clone();
    d[0] = count;
    return TensorValue.ofFloats(
        d, Arrays.copyOfRange(all, (int) from * per, (int) from * per + count * per));
  }

  private static long batchSize(TensorValue images) {
    long[] dims = images.dims();
    if (dims.length < 1 || dims[0] < 1) {
      throw new IllegalArgumentException(
          "calibration images must be batch-first with N >= 1, got " + Arrays.toString(dims));
    }
    return dims[0];
  }

  /**
   * What a refit did over all layers: how many were refitted, and the mean relative output error of
   * those before and after (NaN when none was).
   */
  public record Summary(int layers, int refitted, double meanErrorBefore, double meanErrorAfter) {
    public static Summary of(List<LayerFit> fits) {
      double before = 0;
      double after = 0;
      int n = 0;
      for (LayerFit f : fits) {
        if (f.refitted()) {
          before += f.errorBefore();
          after += f.errorAfter();
          n++;
        }
      }
      return new Summary(
          fits.size(), n, n == 0 ? Double.NaN : before / n, n == 0 ? Double.NaN : after / n);
    }
  }
}
