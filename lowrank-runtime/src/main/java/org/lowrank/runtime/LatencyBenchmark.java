package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.TensorValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures inference latency in ONNX Runtime: median (with p10/p90) of N timed runs after warm-up, on
 * seeded random inputs, with an explicit thread count. Comparisons interleave the two models run by
 * run, so machine noise hits both alike. With one intra-op thread the calling thread's CPU time is
 * reported too: on a shared, busy machine it is the steadier measure of the model's own cost.
 */
public final class LatencyBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyBenchmark.class);

  /**
   * @param warmupRuns unmeasured runs first (>= 0)
   * @param measuredRuns timed runs (>= 1)
   * @param threads ONNX Runtime intra-op threads (>= 1; inter-op is 1)
   * @param seed seed of the random inputs
   */
  public record Settings(int warmupRuns, int measuredRuns, int threads, long seed) {
    public Settings {
      if (warmupRuns < 0 || measuredRuns < 1 || threads < 1) {
        throw new IllegalArgumentException(
            "need warmupRuns >= 0, measuredRuns >= 1, threads >= 1; got " + warmupRuns + ", "
                + measuredRuns + ", " + threads);
      }
    }

    /** 10 warm-up runs, 50 timed runs, 1 thread, seed 42. */
    public static Settings defaults() {
      return new Settings(10, 50, 1, 42L);
    }

    public Settings withThreads(int n) {
      return new Settings(warmupRuns, measuredRuns, n, seed);
    }

    public Settings withRuns(int warmup, int measured) {
      return new Settings(warmup, measured, threads, seed);
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
    return measureOn(runner, batchSize,
        runner.randomInputs(shapes.atBatch(batchSize), settings.seed()), settings);
  }

  private static LatencyResult measureOn(
      OrtRunner runner, int batchSize, Map<String, TensorValue> feeds, Settings settings) {
    OrtRunner.RunTimes t = runner.timeRuns(feeds, settings.warmupRuns(), settings.measuredRuns());
    return LatencyResult.of(batchSize, runner.options().intraOpThreads(), t.wallNanos, t.cpuNanos);
  }

  /** Latency of a serialized model at {@code batchSize}, in a session opened with the settings. */
  public static LatencyResult measure(byte[] modelBytes, int batchSize, Settings settings) {
    try (OrtRunner r = OrtRunner.open(modelBytes, "model", settings.runtimeOptions())) {
      return measure(r, batchSize, settings);
    }
  }

  /** As {@link #measure(OrtRunner, InputShapes, int, Settings)}, in a session opened with the settings. */
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
    return compareOn(label, originalBytes, rewrittenBytes, flopsRatio, batchSizes, settings,
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
    return compareOn(label, originalBytes, rewrittenBytes, flopsRatio, batchSizes, settings,
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
    try (OrtRunner orig = OrtRunner.open(originalBytes, label + " (original)", opts);
        OrtRunner rewr = OrtRunner.open(rewrittenBytes, label + " (rewritten)", opts)) {
      for (int batch : batchSizes) {
        Map<String, TensorValue> feeds = feedsAt.at(orig, batch);
        try (OrtRunner.PreparedFeeds po = orig.prepare(feeds);
            OrtRunner.PreparedFeeds pr = rewr.prepare(feeds)) {
          for (int i = 0; i < settings.warmupRuns(); i++) {
            po.runOnce();
            pr.runOnce();
          }
          OrtRunner.RunTimes to = new OrtRunner.RunTimes(settings.measuredRuns());
          OrtRunner.RunTimes tr = new OrtRunner.RunTimes(settings.measuredRuns());
          for (int i = 0; i < settings.measuredRuns(); i++) {
            if (i % 2 == 0) {
              to.record(i, po);
              tr.record(i, pr);
            } else {
              tr.record(i, pr);
              to.record(i, po);
            }
          }
          int threads = opts.intraOpThreads();
          LatencyComparison.Row row =
              new LatencyComparison.Row(
                  LatencyResult.of(batch, threads, to.wallNanos, to.cpuNanos),
                  LatencyResult.of(batch, threads, tr.wallNanos, tr.cpuNanos));
          LOG.debug("{} batch {}: speedup {}", label, batch, row.speedup());
          rows.add(row);
        }
      }
    }
    return new LatencyComparison(label, flopsRatio, rows);
  }

  /** Random inputs at {@code batchSize}, or an error when an input's batch is fixed at another size. */
  private static Map<String, TensorValue> feedsAtBatch(OrtRunner runner, int batchSize, long seed) {
    for (org.lowrank.graph.ValueInfo in : runner.inputs()) {
      if (in.isFullyKnown() && (in.dims().length == 0 || in.dims()[0] != batchSize)) {
        throw new IllegalArgumentException(
            "model '" + runner.source() + "' input '" + in.name() + "' has the fixed shape "
                + java.util.Arrays.toString(in.dims()) + ", cannot run batch " + batchSize
                + "; time it at its own batch or export the model with a symbolic batch dimension");
      }
    }
    return runner.randomInputs(batchSize, seed);
  }
}
