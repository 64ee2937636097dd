package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.TensorValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures inference latency in ONNX Runtime: median (with p10/p90) of timed runs after warm-up, on
 * seeded random inputs, with an explicit thread count (spinning off, see {@link RuntimeOptions}).
 * Timing stops when the median has settled ({@link MedianStop}: the last running medians within
 * {@link Settings#tolerance()}, wall and CPU time alike), after {@link Settings#measuredRuns()}
 * runs, or when the time cap {@link Settings#maxSeconds()} is spent; each result states its runs
 * and spread. Comparisons interleave the two models run by run (alternating which goes first), so
 * machine noise hits both alike, and stop only when both have settled. With one intra-op thread the
 * calling thread's CPU time is reported too: on a shared, busy machine it is the steadier measure
 * of the model's own cost.
 */
public final class LatencyBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyBenchmark.class);

  /**
   * @param warmupRuns unmeasured runs first (>= 0)
   * @param measuredRuns timed runs at most (>= 1); exactly this many when tolerance is 0
   * @param threads ONNX Runtime intra-op threads (>= 1; inter-op is 1)
   * @param seed seed of the random inputs
   * @param tolerance stop once the running median's relative spread is within this ({@link
   *     MedianStop}; 0 = run all measuredRuns)
   * @param minRuns timed runs before stopping early (>= 1)
   * @param maxSeconds cap on the time one measure or compare call spends, warm-up included (and,
   *     for compare, opening both sessions), shared evenly among the batch sizes still to time
   *     (infinite = none); at least {@link MedianStop#CHECK_EVERY} runs are timed per configuration
   *     even past the cap, and a capped result is logged as a warning
   */
  public record Settings(
      int warmupRuns,
      int measuredRuns,
      int threads,
      long seed,
      double tolerance,
      int minRuns,
      double maxSeconds) {
    /** Tolerance for {@link #defaults()}: the median known to within 2%. */
    public static final double DEFAULT_TOLERANCE = 0.02;

    /** Fewest timed runs before stopping early, for {@link #defaults()}. */
    public static final int DEFAULT_MIN_RUNS = 20;

    public Settings {
      if (warmupRuns < 0
          || measuredRuns < 1
          || threads < 1
          || !(tolerance >= 0)
          || minRuns < 1
          || !(maxSeconds > 0)) {
        throw new IllegalArgumentException(
            "need warmupRuns >= 0, measuredRuns >= 1, threads >= 1, tolerance >= 0, minRuns >= 1, "
                + "maxSeconds > 0; got "
                + warmupRuns
                + ", "
                + measuredRuns
                + ", "
                + threads
                + ", "
                + tolerance
                + ", "
                + minRuns
                + ", "
                + maxSeconds);
      }
    }

    /** Exactly {@code measuredRuns} timed runs, no time cap. */
    public Settings(int warmupRuns, int measuredRuns, int threads, long seed) {
      this(warmupRuns, measuredRuns, threads, seed, 0, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * 10 warm-up runs, then 20 to 50 timed runs (stop when the median is within 2%), 1 thread, seed
     * 42, no time cap.
     */
    public static Settings defaults() {
      return new Settings(
          10, 50, 1, 42L, DEFAULT_TOLERANCE, DEFAULT_MIN_RUNS, Double.POSITIVE_INFINITY);
    }

    public Settings withThreads(int n) {
      return new Settings(warmupRuns, measuredRuns, n, seed, tolerance, minRuns, maxSeconds);
    }

    /**
     * {@code warmup} warm-up runs and at most {@code measured} timed runs (min runs capped to it).
     */
    public Settings withRuns(int warmup, int measured) {
      return new Settings(
          warmup, measured, threads, seed, tolerance, Math.min(minRuns, measured), maxSeconds);
    }

    /** Stops early once the median is within {@code v} (0 = never). */
    public Settings withTolerance(double v) {
      return new Settings(warmupRuns, measuredRuns, threads, seed, v, minRuns, maxSeconds);
    }

    /** Caps the timing time of one call at {@code seconds}. */
    public Settings withMaxSeconds(double seconds) {
      return new Settings(warmupRuns, measuredRuns, threads, seed, tolerance, minRuns, seconds);
    }

    RuntimeOptions runtimeOptions() {
      return RuntimeOptions.withThreads(threads);
    }
  }

  private LatencyBenchmark() {}

  /**
   * Latency of an open session at {@code batchSize} (the session's own thread count applies), on
   * inputs whose only free dimension is the batch (see {@link OrtRunner#randomInputs(int, long)}).
   */
  public static LatencyResult measure(OrtRunner runner, int batchSize, Settings settings) {
    return measureOn(runner, batchSize, feedsAtBatch(runner, batchSize, settings.seed()), settings);
  }

  /**
   * Latency of an open session at {@code batchSize}, on inputs of the resolved shapes.
   *
   * @param shapes the model's input shapes ({@link InputShapes}; a fixed batch admits only itself)
   * @throws IllegalArgumentException when the model's batch is fixed at another size
   */
  public static LatencyResult measure(
      OrtRunner runner, InputShapes shapes, int batchSize, Settings settings) {
    return measureOn(
        runner,
        batchSize,
        runner.randomInputs(shapes.atBatch(batchSize), settings.seed()),
        settings);
  }

  private static LatencyResult measureOn(
      OrtRunner runner, int batchSize, Map<String, TensorValue> feeds, Settings settings) {
    long deadline = deadline(System.nanoTime(), settings.maxSeconds(), 1);
    try (OrtRunner.PreparedFeeds p = runner.prepare(feeds)) {
      Series t = new Series(settings);
      for (int i = 0; i < settings.warmupRuns() && System.nanoTime() < deadline; i++) {
        p.runOnce();
      }
      while (!t.done(deadline)) {
        t.record(p);
      }
      return t.result(batchSize, runner.options().intraOpThreads(), runner.source());
    }
  }

  /** The time at which a call that started at {@code start} must stop, for one of {@code parts}. */
  private static long deadline(long start, double maxSeconds, int parts) {
    return Double.isInfinite(maxSeconds)
        ? Long.MAX_VALUE
        : start + (long) (maxSeconds * 1e9 / parts);
  }

  /** Run times of one configuration with their stopping rules (wall and CPU time). */
  private static final class Series {
    private final Settings settings;
    private final OrtRunner.RunTimes times;
    private final MedianStop wall;
    private final MedianStop cpu;
    private boolean capped;

    Series(Settings settings) {
      this.settings = settings;
      this.times = new OrtRunner.RunTimes(settings.measuredRuns());
      this.wall = new MedianStop(settings.tolerance(), settings.minRuns());
      this.cpu = new MedianStop(settings.tolerance(), settings.minRuns());
    }

    void record(OrtRunner.PreparedFeeds p) {
      int i = wall.runs();
      times.record(i, p);
      wall.add(times.wallNanos[i]);
      cpu.add(Math.max(0, times.cpuNanos[i]));
    }

    /** Settled (wall and CPU), out of runs, or past the deadline with the fewest runs in. */
    boolean done(long deadline) {
      int n = wall.runs();
      if (n >= settings.measuredRuns()) {
        return true;
      }
      if (n >= MedianStop.CHECK_EVERY && System.nanoTime() >= deadline) {
        capped = true;
        return true;
      }
      return wall.settled() && (times.cpuNanos[0] < 0 || cpu.settled());
    }

    LatencyResult result(int batch, int threads, String source) {
      int n = wall.runs();
      double spread =
          times.cpuNanos[0] < 0 || Double.isNaN(cpu.spread())
              ? wall.spread()
              : Math.max(wall.spread(), cpu.spread());
      if (capped) {
        LOG.warn(
            "{} batch {}: time cap of {} s reached after {} timed runs (median spread {})",
            source,
            batch,
            settings.maxSeconds(),
            n,
            spread);
      }
      return LatencyResult.of(
          batch,
          threads,
          java.util.Arrays.copyOf(times.wallNanos, n),
          java.util.Arrays.copyOf(times.cpuNanos, n),
          spread);
    }
  }

  /** Latency of a serialized model at {@code batchSize}, in a session opened with the settings. */
  public static LatencyResult measure(byte[] modelBytes, int batchSize, Settings settings) {
    try (OrtRunner r = OrtRunner.open(modelBytes, "model", settings.runtimeOptions())) {
      return measure(r, batchSize, settings);
    }
  }

  /**
   * As {@link #measure(OrtRunner, InputShapes, int, Settings)}, in a session opened with the
   * settings.
   */
  public static LatencyResult measure(
      byte[] modelBytes, InputShapes shapes, int batchSize, Settings settings) {
    try (OrtRunner r = OrtRunner.open(modelBytes, "model", settings.runtimeOptions())) {
      return measure(r, shapes, batchSize, settings);
    }
  }

  /**
   * Original vs rewritten latency at each batch size, on inputs whose only free dimension is the
   * batch (single layers, see {@link OrtRunner#randomInputs(int, long)}). Both sessions are open at
   * once and timed alternately (one run of each per step) after both are warmed up.
   *
   * @param flopsRatio rewritten FLOPs / original FLOPs, reported alongside (NaN if unknown)
   */
  public static LatencyComparison compare(
      String label,
      byte[] originalBytes,
      byte[] rewrittenBytes,
      double flopsRatio,
      int[] batchSizes,
      Settings settings) {
    return compareOn(
        label,
        originalBytes,
        rewrittenBytes,
        flopsRatio,
        batchSizes,
        settings,
        (runner, batch) -> feedsAtBatch(runner, batch, settings.seed()));
  }

  /**
   * Original vs rewritten latency of a whole model at each batch size, on inputs of the resolved
   * shapes: a free height or width is the one the user gave, and a model with a fixed batch is
   * timed at that batch only (pass {@code shapes.batches(requested)}).
   *
   * @param shapes the original model's input shapes (the rewritten model has the same inputs)
   * @throws IllegalArgumentException when a batch size differs from the model's fixed batch
   */
  public static LatencyComparison compare(
      String label,
      byte[] originalBytes,
      byte[] rewrittenBytes,
      double flopsRatio,
      InputShapes shapes,
      int[] batchSizes,
      Settings settings) {
    for (int batch : batchSizes) {
      shapes.atBatch(batch); // fails before any session is opened
    }
    return compareOn(
        label,
        originalBytes,
        rewrittenBytes,
        flopsRatio,
        batchSizes,
        settings,
        (runner, batch) -> runner.randomInputs(shapes.atBatch(batch), settings.seed()));
  }

  /** Makes the feeds of one batch size for a session. */
  private interface Feeds {
    Map<String, TensorValue> at(OrtRunner runner, int batch);
  }

  private static LatencyComparison compareOn(
      String label,
      byte[] originalBytes,
      byte[] rewrittenBytes,
      double flopsRatio,
      int[] batchSizes,
      Settings settings,
      Feeds feedsAt) {
    RuntimeOptions opts = settings.runtimeOptions();
    List<LatencyComparison.Row> rows = new ArrayList<>();
    long start = System.nanoTime();
    try (OrtRunner orig = OrtRunner.open(originalBytes, label + " (original)", opts);
        OrtRunner rewr = OrtRunner.open(rewrittenBytes, label + " (rewritten)", opts)) {
      for (int b = 0; b < batchSizes.length; b++) {
        int batch = batchSizes[b];
        // the time left is shared evenly among the batch sizes still to time
        long now = System.nanoTime();
        long deadline =
            Double.isInfinite(settings.maxSeconds())
                ? Long.MAX_VALUE
                : now + (deadline(start, settings.maxSeconds(), 1) - now) / (batchSizes.length - b);
        Map<String, TensorValue> feeds = feedsAt.at(orig, batch);
        try (OrtRunner.PreparedFeeds po = orig.prepare(feeds);
            OrtRunner.PreparedFeeds pr = rewr.prepare(feeds)) {
          for (int i = 0; i < settings.warmupRuns() && System.nanoTime() < deadline; i++) {
            po.runOnce();
            pr.runOnce();
          }
          Series to = new Series(settings);
          Series tr = new Series(settings);
          // both series stop together, once both have settled (or the runs or the time are spent)
          for (int i = 0; !(to.done(deadline) && tr.done(deadline)); i++) {
            if (i % 2 == 0) {
              to.record(po);
              tr.record(pr);
            } else {
              tr.record(pr);
              to.record(po);
            }
          }
          int threads = opts.intraOpThreads();
          LatencyComparison.Row row =
              new LatencyComparison.Row(
                  to.result(batch, threads, orig.source()),
                  tr.result(batch, threads, rewr.source()));
          LOG.debug("{} batch {}: speedup {}", label, batch, row.speedup());
          rows.add(row);
        }
      }
    }
    return new LatencyComparison(label, flopsRatio, rows);
  }

  /**
   * Random inputs at {@code batchSize}, or an error when an input's batch is fixed at another size.
   */
  private static Map<String, TensorValue> feedsAtBatch(OrtRunner runner, int batchSize, long seed) {
    for (org.lowrank.graph.ValueInfo in : runner.inputs()) {
      if (in.isFullyKnown() && (in.dims().length == 0 || in.dims()[0] != batchSize)) {
        throw new IllegalArgumentException(
            "model '"
                + runner.source()
                + "' input '"
                + in.name()
                + "' has the fixed shape "
                + java.util.Arrays.toString(in.dims())
                + ", cannot run batch "
                + batchSize
                + "; time it at its own batch or export the model with a symbolic batch dimension");
      }
    }
    return runner.randomInputs(batchSize, seed);
  }
}
