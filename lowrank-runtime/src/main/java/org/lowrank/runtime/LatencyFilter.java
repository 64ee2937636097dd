package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.plan.select.CandidateFilter;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.LayerTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a candidate only if its factorized layer really runs faster in ONNX Runtime: {@code
 * t_factorized <= ratio * t_original} for the layer alone at batch {@code B} (ratio 1 = not slower;
 * 0.8 = at least 20% faster). This is the latency pruning of method B's design-space exploration
 * (MISSION.md): fewer FLOPs do not always mean less time, e.g. CP's depthwise conv on few channels.
 *
 * <p><b>Timing.</b> The layer is cut out of the model once ({@link LayerLatency#isolate}); each
 * timed candidate is the isolated layer rewritten with random factors of the candidate's ranks (the
 * values do not change the run time, so no decomposition is computed), timed against the original
 * in two sessions with one intra-op thread, runs interleaved ({@link LatencyBenchmark#compare}), on
 * the calling thread's CPU time when the JVM offers it (else wall time). The decision uses this
 * paired measurement: on a busy shared machine the ratio of two interleaved timings is steadier
 * than a comparison with an original timed at another moment.
 *
 * <p><b>Few timings.</b> Latency is assumed monotone in the ranks: a candidate whose ranks are all
 * &lt;= those of a measured-faster one is faster, all &gt;= those of a measured-slower one is
 * slower. Decisions are cached per (layer, method); when a layer's candidates come at once, the
 * filter times the median unresolved candidate first, so a chain of n ranks needs about log2(n)
 * timings. The timer is injectable ({@link Timer}) to test this logic without ONNX Runtime.
 *
 * <p>Not thread-safe. Not reproducible across machines or loads: the plan records the settings.
 */
public final class LatencyFilter implements CandidateFilter {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyFilter.class);

  /** One paired measurement: the original layer and a candidate, in milliseconds per run. */
  public record Timing(double originalMillis, double factorizedMillis) {}

  /** Times candidate {@code choice} of {@code layer} against the original layer. */
  @FunctionalInterface
  public interface Timer {
    Timing time(LayerInput layer, Choice choice);
  }

  private final Timer timer;
  private final double ratio;
  private final int batch;

  /** layer name -> (method and modes) -> what is known. */
  private final Map<String, Map<String, Known>> known = new HashMap<>();

  private int timings;
  private long timingNanos;

  /**
   * A filter with an injected timer.
   *
   * @param ratio keep iff t_factorized &lt;= ratio * t_original, in (0, 10]
   * @param batch the batch size the timer runs (recorded in the plan), &gt;= 1
   */
  public LatencyFilter(Timer timer, double ratio, int batch) {
    this.timer = Objects.requireNonNull(timer, "timer");
    check(ratio, batch);
    this.ratio = ratio;
    this.batch = batch;
  }

  /** Rejects a ratio outside (0, 10] or a batch below 1, saying what the values mean. */
  public static void check(double ratio, int batch) {
    if (!(ratio > 0 && ratio <= 10)) {
      throw new IllegalArgumentException(
          "latency pruning ratio must be in (0, 10], found "
              + ratio
              + ": 1.0 keeps candidates not slower than the original, 0.8 demands 20% faster");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("latency pruning batch size must be >= 1, found " + batch);
    }
  }

  /**
   * A filter timing the layers of {@code model} in ONNX Runtime.
   *
   * @param model the model the layers come from (not modified)
   * @param inputShapes model input shapes by name for shape inference (empty = as declared)
   * @param settings warm-up and timed runs, threads (1 recommended) and seed of the random inputs
   */
  public static LatencyFilter ort(
      Model model,
      Map<String, long[]> inputShapes,
      double ratio,
      int batch,
      LatencyBenchmark.Settings settings) {
    return of(
        new OrtLayerTimer(
            model, inputShapes, settings, LatencyCache.inMemory("threads " + settings.threads())),
        ratio,
        batch);
  }

  /**
   * A filter on the paired timings of {@code timer} at {@code batch} (e.g. an {@link OrtLayerTimer}
   * with an on-disk cache, shared with a latency budget: one measurement, two uses).
   */
  public static LatencyFilter of(LayerTimer timer, double ratio, int batch) {
    return new LatencyFilter(
        (layer, choice) -> {
          LayerTimer.Timing t = timer.time(layer, choice, batch);
          return new Timing(t.originalMillis(), t.factorizedMillis());
        },
        ratio,
        batch);
  }

  /**
   * As {@link #ort(Model, Map, double, int, LatencyBenchmark.Settings)} with {@link
   * #defaultSettings}.
   */
  public static LatencyFilter ort(
      Model model, Map<String, long[]> inputShapes, double ratio, int batch) {
    return ort(model, inputShapes, ratio, batch, defaultSettings());
  }

  /** 5 warm-up and 20 timed runs per model, one thread, seed 42. */
  public static LatencyBenchmark.Settings defaultSettings() {
    return new LatencyBenchmark.Settings(5, 20, 1, 42L);
  }

  /** Number of timer calls so far (each times one candidate against the original). */
  public int timings() {
    return timings;
  }

  /** Seconds spent in the timer so far. */
  public double timingSeconds() {
    return timingNanos / 1e9;
  }

  public double ratio() {
    return ratio;
  }

  public int batch() {
    return batch;
  }

  @Override
  public boolean keep(LayerInput layer, Choice choice) {
    return keep(layer, List.of(choice))[0];
  }

  @Override
  public boolean[] keep(LayerInput layer, List<Choice> choices) {
    int before = timings;
    Map<String, List<Choice>> byKey = new LinkedHashMap<>();
    for (Choice c : choices) {
      byKey.computeIfAbsent(key(layer, c), k -> new ArrayList<>()).add(c);
    }
    for (Map.Entry<String, List<Choice>> e : byKey.entrySet()) {
      Known k =
          known
              .computeIfAbsent(layer.name(), n -> new HashMap<>())
              .computeIfAbsent(e.getKey(), n -> new Known());
      List<Choice> open = unresolved(k, e.getValue());
      while (!open.isEmpty()) {
        open.sort(
            Comparator.comparingLong(LatencyFilter::rankSum)
                .thenComparing(c -> Arrays.toString(c.ranks())));
        measure(layer, open.get(open.size() / 2), k);
        open = unresolved(k, open);
      }
    }
    boolean[] out = new boolean[choices.size()];
    int kept = 0;
    for (int i = 0; i < out.length; i++) {
      Choice c = choices.get(i);
      out[i] = known.get(layer.name()).get(key(layer, c)).resolve(c);
      kept += out[i] ? 1 : 0;
    }
    if (choices.size() > 1) {
      LOG.debug(
          "layer '{}': {} of {} candidates at most {}x the original's time at batch {} ({} timed)",
          layer.name(),
          kept,
          choices.size(),
          ratio,
          batch,
          timings - before);
    }
    return out;
  }

  private void measure(LayerInput layer, Choice c, Known k) {
    long t0 = System.nanoTime();
    Timing t = timer.time(layer, c);
    timingNanos += System.nanoTime() - t0;
    timings++;
    boolean faster = t.factorizedMillis() <= ratio * t.originalMillis();
    LOG.debug(
        "layer '{}' {}: {} ms vs original {} ms at batch {} -> {}",
        layer.name(),
        c,
        fmt(t.factorizedMillis()),
        fmt(t.originalMillis()),
        batch,
        faster ? "keep" : "drop");
    (faster ? k.faster : k.slower).add(c.ranks());
    k.decided.put(c, faster);
  }

  private static List<Choice> unresolved(Known k, List<Choice> cs) {
    List<Choice> out = new ArrayList<>();
    for (Choice c : cs) {
      if (k.resolve(c) == null && !out.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Choices compare by ranks only within one method and chain shape: for TT-matrix the same modes,
   * for Tucker-2/TT the same number of convs (a full-rank side is folded away, so (r, C_in) may run
   * faster than (r, r') with r' < C_in).
   */
  private static String key(LayerInput layer, Choice c) {
    if (c.method() == Method.TTM) {
      return c.method().cliName() + Arrays.toString(c.outModes()) + Arrays.toString(c.inModes());
    }
    if (c.method() == Method.TUCKER2 || c.method() == Method.TT) {
      return c.method().cliName() + "/" + CostModel.TuckerChain.of(layer.geometry(), c);
    }
    return c.method().cliName();
  }

  private static long rankSum(Choice c) {
    return Arrays.stream(c.ranks()).asLongStream().sum();
  }

  /** What is known about one (layer, method): measured-faster and measured-slower ranks. */
  private static final class Known {
    final List<int[]> faster = new ArrayList<>();
    final List<int[]> slower = new ArrayList<>();
    final Map<Choice, Boolean> decided = new HashMap<>();

    /** True = faster, false = slower, null = unknown. */
    Boolean resolve(Choice c) {
      Boolean d = decided.get(c);
      if (d != null) {
        return d;
      }
      for (int[] f : faster) {
        if (allAtMost(c.ranks(), f)) {
          decided.put(c, true);
          return true;
        }
      }
      for (int[] s : slower) {
        if (allAtMost(s, c.ranks())) {
          decided.put(c, false);
          return false;
        }
      }
      return null;
    }

    private static boolean allAtMost(int[] a, int[] b) {
      if (a.length != b.length) {
        return false;
      }
      for (int i = 0; i < a.length; i++) {
        if (a[i] > b[i]) {
          return false;
        }
      }
      return true;
    }
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("prune_latency", true);
    m.put("prune_latency_ratio", ratio);
    m.put("prune_batch", (long) batch);
    m.put("prune_timings", (long) timings);
    return m;
  }

  @Override
  public String description() {
    return String.format(Locale.ROOT, "latency pruning (ratio %s, batch %d)", ratio, batch);
  }

  @Override
  public String rejectedAllNote() {
    return ratio == 1.0
        ? "kept: no factorization was faster than the original in ONNX Runtime (batch "
            + batch
            + ")"
        : String.format(
            Locale.ROOT,
            "kept: no factorization ran in at most %.2fx the original's time "
                + "in ONNX Runtime (batch %d)",
            ratio,
            batch);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
