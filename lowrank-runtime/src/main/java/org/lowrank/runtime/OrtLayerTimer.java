package org.lowrank.runtime;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.lowrank.cost.Choice;
import org.lowrank.graph.Attribute;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.LayerTimer;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerRewriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times layers of one model in ONNX Runtime, original against a factorization, through a {@link
 * LatencyCache}. The context timed is the layer alone ({@link LayerLatency#isolate}): its input in
 * plain NCHW, so both the original and the factorized chain pay one layout reorder at each end
 * where ONNX Runtime converts to its blocked layout; the choice is then decided by the ratio of the
 * two, measured side by side ({@link LatencyBenchmark#compare}, on the calling thread's CPU time
 * when available). A whole-model measurement after planning corrects what this context misses (see
 * {@link org.lowrank.plan.select.LatencyBudget#corrected}). The factors are random of the choice's
 * shapes: run time does not depend on their values.
 *
 * <p>Cache entries are keyed by what the time depends on, not by the layer's name: the op, its
 * attributes, the input shape without the batch, the geometry, the choice and the batch size; so
 * layers of the same shape (ResNet stages) share timings.
 */
public final class OrtLayerTimer implements LayerTimer {
  private static final Logger LOG = LoggerFactory.getLogger(OrtLayerTimer.class);

  private final Model model;
  private final Map<String, long[]> inputShapes;
  private final LatencyBenchmark.Settings settings;
  private final LatencyCache cache;
  private final Map<String, Model> isolated = new HashMap<>();
  private final Map<String, String> context = new HashMap<>();
  private int measured;
  private int cached;

  /**
   * @param model the model the layers come from (not modified)
   * @param inputShapes the model's input shapes by name for shape inference (empty = as declared)
   * @param settings runs, threads (the cache's key must name the same count) and seed
   * @param cache where timings are looked up and recorded
   */
  public OrtLayerTimer(
      Model model,
      Map<String, long[]> inputShapes,
      LatencyBenchmark.Settings settings,
      LatencyCache cache) {
    this.model = Objects.requireNonNull(model, "model");
    this.inputShapes = Map.copyOf(inputShapes);
    this.settings = Objects.requireNonNull(settings, "settings");
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /**
   * 5 warm-up runs, then 10 to 40 timed runs (stop when the median is within 3%), at most 2 s per
   * pair.
   */
  public static LatencyBenchmark.Settings defaultSettings(int threads) {
    return new LatencyBenchmark.Settings(5, 40, threads, 42L, 0.03, 10, 2.0);
  }

  /** Pairs timed in ONNX Runtime so far. */
  public int measured() {
    return measured;
  }

  /** Pairs answered from the cache so far. */
  public int cached() {
    return cached;
  }

  public LatencyCache cache() {
    return cache;
  }

  @Override
  public Timing time(LayerInput layer, Choice choice, int batch) {
    String entry = context(layer) + " | " + choice + " | batch " + batch;
    var hit = cache.get(entry);
    if (hit.isPresent()) {
      cached++;
      return hit.get();
    }
    Model alone = isolated(layer.name());
    FactorizedLayer spec = RandomFactors.of(layer.geometry(), choice, settings.seed());
    Model rewritten = LayerRewriter.rewrite(alone, layer.name(), spec);
    LatencyComparison.Row row =
        LatencyBenchmark.compare(
                layer.name() + " " + choice,
                OnnxWriter.toBytes(alone),
                OnnxWriter.toBytes(rewritten),
                Double.NaN,
                new int[] {batch},
                settings)
            .rows()
            .get(0);
    boolean cpu =
        !Double.isNaN(row.original().cpuMedianMillis())
            && !Double.isNaN(row.rewritten().cpuMedianMillis());
    Timing t =
        cpu
            ? new Timing(row.original().cpuMedianMillis(), row.rewritten().cpuMedianMillis())
            : new Timing(row.original().medianMillis(), row.rewritten().medianMillis());
    measured++;
    LOG.debug("layer '{}' {} batch {}: {}", layer.name(), choice, batch, t);
    cache.put(entry, t);
    return t;
  }

  private Model isolated(String layer) {
    return isolated.computeIfAbsent(layer, n -> LayerLatency.isolate(model, n, inputShapes));
  }

  /** The op, its attributes and its input shape (batch left out): what the timing depends on. */
  private String context(LayerInput layer) {
    return context.computeIfAbsent(
        layer.name(),
        n -> {
          Model alone = isolated(n);
          Node node = LayerRewriter.findLayer(alone.graph(), n);
          Map<String, String> attrs = new TreeMap<>();
          for (Attribute a : node.attributes().values()) {
            attrs.put(a.name(), valueString(a.value()));
          }
          long[] in = alone.graph().runtimeInputs().get(0).dims();
          var g = layer.geometry();
          return node.opType()
              + attrs
              + " in "
              + Arrays.toString(Arrays.copyOfRange(in, 1, in.length))
              + " cout "
              + g.cout()
              + " cin "
              + g.cin()
              + " bias "
              + g.hasBias()
              + " rows "
              + g.rows()
              + " out "
              + Arrays.toString(g.outSpatial());
        });
  }

  private static String valueString(Object v) {
    if (v instanceof long[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof float[] a) {
      return Arrays.toString(a);
    }
    return String.valueOf(v);
  }
}
