package org.lowrank.train.refit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.decomp.InputMoment;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.progress.ProgressListener;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.train.exec.GraphExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InputMoment} of each layer to factorize: S = (1/N) sum x x^T over the layer's inputs x
 * in the original model on calibration images, with x the im2col patch (C_in K values, cut out in
 * Java for a 2-D conv, else by the probe conv of {@link AffineNode}) of a kxk conv, the channels of
 * a 1x1 conv, the features of a Gemm/MatMul. One streamed pass for all layers: the images go
 * through the model in chunks small enough that all layers' inputs of one chunk stay below {@link
 * OutputReconstruction#MAX_CHUNK_VALUES} values, and each chunk's samples are added to S in float64
 * (dsyrk). Memory: one chunk's feature maps plus sum_l n_l^2 doubles. A layer with too few samples
 * for its n x n moment ({@link InputMoment#enoughSamples}) gets none.
 */
public final class InputMoments {
  private static final Logger LOG = LoggerFactory.getLogger(InputMoments.class);

  private InputMoments() {}

  /**
   * Moments of {@code layers} (names in {@code original}); a layer that is not a group-1 Conv with
   * at most {@link OutputReconstruction#MAX_PATCH_FEATURES} patch features or a Gemm/MatMul with
   * constant weight is left out of the map (logged), and is then factorized from its weights alone.
   *
   * @param images calibration inputs for the model's first input, batch first
   * @param maxChunk images per forward pass at most
   */
  public static Map<String, InputMoment> collect(
      Model original,
      List<String> layers,
      TensorValue images,
      int maxChunk,
      ProgressListener listener) {
    long t0 = System.nanoTime();
    LinearAlgebra la = LinearAlgebra.defaultInstance();
    String input = original.graph().runtimeInputs().get(0).name();
    Map<String, AffineNode> nodes = new LinkedHashMap<>();
    Model probed = original;
    for (String layer : layers) {
      Node node = LayerRewriter.findLayer(original.graph(), layer);
      AffineNode a = AffineNode.of(original.graph(), node);
      if (a == null) {
        LOG.info(
            "{}: no input moment (not a group-1 Conv with at most {} patch features, Gemm or"
                + " MatMul with a constant weight); factorized from its weights",
            layer,
            AffineNode.MAX_FEATURES);
        continue;
      }
      nodes.put(layer, a);
      probed = a.sampleModel(probed);
    }
    Map<String, double[]> sums = new LinkedHashMap<>();
    Map<String, Long> counts = new LinkedHashMap<>();
    listener.start("input moments", (int) images.dims()[0]);
    try (GraphExecutor exec = GraphExecutor.of(probed)) {
      List<String> taps = nodes.values().stream().map(AffineNode::sampleTap).distinct().toList();
      Map<String, TensorValue> one =
          exec.featureMapValues(Map.of(input, OutputReconstruction.slice(images, 0, 1)), taps);
      Map<String, Long> perTap = new LinkedHashMap<>();
      for (AffineNode a : nodes.values()) {
        perTap.putIfAbsent(a.input(), (long) a.samplesFrom(one.get(a.sampleTap())).length);
      }
      long perImage = perTap.values().stream().mapToLong(Long::longValue).sum();
      int chunk = OutputReconstruction.chunkSize(perImage, maxChunk);
      int seen = 0;
      for (TensorValue x : OutputReconstruction.chunks(images, chunk)) {
        Map<String, TensorValue> maps = exec.featureMapValues(Map.of(input, x), taps);
        double scale = images.dims()[0] / (double) x.dims()[0];
        for (var it = nodes.entrySet().iterator(); it.hasNext(); ) {
          Map.Entry<String, AffineNode> e = it.next();
          AffineNode a = e.getValue();
          int n = a.features();
          double[] samples = a.samplesFrom(maps.get(a.sampleTap()));
          int s = samples.length / n;
          if (seen == 0
              && !enoughSamples(e.getKey(), Math.round(s * scale), n, "calibration images")) {
            it.remove();
            continue;
          }
          double[] g = la.gram(samples, n, s, true);
          double[] sum = sums.computeIfAbsent(e.getKey(), k -> new double[n * n]);
          for (int i = 0; i < g.length; i++) {
            sum[i] += g[i];
          }
          counts.merge(e.getKey(), (long) s, Long::sum);
        }
        seen += (int) x.dims()[0];
        listener.progress(seen, "");
      }
    }
    Map<String, InputMoment> out = new LinkedHashMap<>();
    for (Map.Entry<String, double[]> e : sums.entrySet()) {
      double[] sum = e.getValue();
      long count = counts.get(e.getKey());
      for (int i = 0; i < sum.length; i++) {
        sum[i] /= count;
      }
      out.put(e.getKey(), new InputMoment(sum, nodes.get(e.getKey()).features(), count));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    listener.finish(out.size() + "/" + layers.size() + " layers");
    LOG.info(
        "input moments of {} layers on {} images in {} s",
        out.size(),
        images.dims()[0],
        String.format(java.util.Locale.ROOT, "%.1f", seconds));
    return out;
  }

  /**
   * Whether a layer with {@code count} input samples over all images of {@code n} features each
   * gets a moment ({@link InputMoment#enoughSamples}); warns when not: it is then factorized (and
   * scored) from its weights, and more of {@code images} (the setting that would let the data fit
   * it) would change that.
   */
  static boolean enoughSamples(String layer, long count, int n, String images) {
    if (InputMoment.enoughSamples(count, n)) {
      return true;
    }
    LOG.warn(
        "layer '{}': {} input samples for {} inputs (fewer than {} per input): no input moment,"
            + " factorized from its weights; more {} would let the data fit it",
        layer,
        count,
        n,
        InputMoment.MIN_SAMPLES_PER_INPUT,
        images);
    return false;
  }
}
