package org.lowrank.pipeline;

import java.util.Arrays;
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
    int threads, int[] latencyBatches, int latencyWarmup, int latencyRuns, FidelityGuard guard) {

  public MeasurementSpec {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, found " + threads);
    }
    latencyBatches = latencyBatches.clone();
    for (int b : latencyBatches) {
      if (b < 1) {
        throw new IllegalArgumentException(
            "latency batch sizes must be >= 1, found " + Arrays.toString(latencyBatches));
      }
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
    return new MeasurementSpec(1, new int[0], 10, 50, FidelityGuard.defaults());
  }

  @Override
  public int[] latencyBatches() {
    return latencyBatches.clone();
  }

  public MeasurementSpec withThreads(int v) {
    return new MeasurementSpec(v, latencyBatches, latencyWarmup, latencyRuns, guard);
  }

  /** Latency at {@code batches} after {@code warmup} runs, median of {@code runs}. */
  public MeasurementSpec withLatency(int warmup, int runs, int... batches) {
    return new MeasurementSpec(threads, batches, warmup, runs, guard);
  }

  public MeasurementSpec withGuard(FidelityGuard v) {
    return new MeasurementSpec(threads, latencyBatches, latencyWarmup, latencyRuns, v);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MeasurementSpec m
        && threads == m.threads
        && Arrays.equals(latencyBatches, m.latencyBatches)
        && latencyWarmup == m.latencyWarmup
        && latencyRuns == m.latencyRuns
        && guard.equals(m.guard);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        threads, Arrays.hashCode(latencyBatches), latencyWarmup, latencyRuns, guard);
  }

  @Override
  public String toString() {
    return "MeasurementSpec[threads="
        + threads
        + ", latencyBatches="
        + Arrays.toString(latencyBatches)
        + ", latencyWarmup="
        + latencyWarmup
        + ", latencyRuns="
        + latencyRuns
        + ", guard="
        + guard
        + "]";
  }
}
