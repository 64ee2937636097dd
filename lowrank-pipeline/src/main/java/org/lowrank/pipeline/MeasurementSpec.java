package org.lowrank.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link CompressionPipeline} run measures and judges its result: threads of ONNX Runtime and
 * BLAS-heavy steps, the latency batches and runs, and the fidelity guard. Validated when built; a
 * new measurement option is one more component here (and one {@code with} method).
 *
 * @param threads threads for ONNX Runtime and BLAS-heavy steps (at least 1)
 * @param latencyBatches batch sizes of the latency comparison (empty: no latency measurement)
 * @param latencyWarmup warm-up runs per model and batch
 * @param latencyRuns timed runs per model and batch (the median is reported)
 * @param guard the fidelity guard the final model must pass
 */
public record MeasurementSpec(
    int threads,
    List<Integer> latencyBatches,
    int latencyWarmup,
    int latencyRuns,
    FidelityGuard guard) {

  public MeasurementSpec {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, found " + threads);
    }
    latencyBatches = List.copyOf(latencyBatches);
    if (latencyBatches.stream().anyMatch(b -> b < 1)) {
      throw new IllegalArgumentException(
          "latency batch sizes must be >= 1, found " + latencyBatches);
    }
    if (latencyWarmup < 0 || latencyRuns < 1) {
      throw new IllegalArgumentException(
          "latency runs: warm-up must be >= 0 and timed runs >= 1, found "
              + latencyWarmup
              + " and "
              + latencyRuns);
    }
    Objects.requireNonNull(guard, "guard");
  }

  /** One thread, no latency measurement, the default guard. */
  public static MeasurementSpec defaults() {
    return new MeasurementSpec(1, List.of(), 10, 50, FidelityGuard.defaults());
  }

  /** The latency batch sizes as an array (a copy). */
  public int[] latencyBatchSizes() {
    return latencyBatches.stream().mapToInt(Integer::intValue).toArray();
  }

  public MeasurementSpec withThreads(int v) {
    return new MeasurementSpec(v, latencyBatches, latencyWarmup, latencyRuns, guard);
  }

  /** Latency at {@code batches} after {@code warmup} runs, median of {@code runs}. */
  public MeasurementSpec withLatency(int warmup, int runs, int... batches) {
    return new MeasurementSpec(
        threads, Arrays.stream(batches).boxed().toList(), warmup, runs, guard);
  }

  public MeasurementSpec withGuard(FidelityGuard v) {
    return new MeasurementSpec(threads, latencyBatches, latencyWarmup, latencyRuns, v);
  }
}
