package org.lowrank.runtime;

import java.util.Arrays;

/**
 * Latency statistics of one model at one batch size, from wall-clock times of single runs measured
 * after warm-up. Percentiles use the nearest-rank method on the sorted run times.
 *
 * @param batchSize inputs per run
 * @param intraOpThreads ONNX Runtime intra-op threads of the session
 * @param runs number of measured runs
 * @param medianMillis median run time
 * @param p10Millis 10th percentile
 * @param p90Millis 90th percentile
 * @param minMillis fastest run
 * @param meanMillis arithmetic mean
 * @param cpuMedianMillis median CPU time of the calling thread per run (the run's whole compute
 *     time only with one intra-op thread; NaN when not measured)
 * @param medianSpread how settled the median was when timing stopped: relative spread of the last
 *     running medians ({@link MedianStop#spread()}), also for a fixed run count; NaN when too few
 *     runs (under {@link MedianStop#CHECK_EVERY} x {@link MedianStop#WINDOW}) or not measured
 */
public record LatencyResult(
    int batchSize,
    int intraOpThreads,
    int runs,
    double medianMillis,
    double p10Millis,
    double p90Millis,
    double minMillis,
    double meanMillis,
    double cpuMedianMillis,
    double medianSpread) {

  /** Statistics of the given wall-clock run times (nanoseconds; not modified), CPU time unknown. */
  public static LatencyResult of(int batchSize, int intraOpThreads, long[] runNanos) {
    return of(batchSize, intraOpThreads, runNanos, null);
  }

  /**
   * Statistics of the given wall-clock and CPU run times (nanoseconds; not modified; {@code
   * cpuNanos} may be null or hold negative values when CPU time is unavailable).
   */
  public static LatencyResult of(
      int batchSize, int intraOpThreads, long[] runNanos, long[] cpuNanos) {
    return of(batchSize, intraOpThreads, runNanos, cpuNanos, Double.NaN);
  }

  /** As {@link #of(int, int, long[], long[])}, with the spread reported by the stopping rule. */
  public static LatencyResult of(
      int batchSize, int intraOpThreads, long[] runNanos, long[] cpuNanos, double medianSpread) {
    if (runNanos.length == 0) {
      throw new IllegalArgumentException("no measured runs: measuredRuns must be >= 1");
    }
    long[] s = runNanos.clone();
    Arrays.sort(s);
    double mean = Arrays.stream(s).average().orElse(0) / 1e6;
    return new LatencyResult(
        batchSize,
        intraOpThreads,
        s.length,
        median(s) / 1e6,
        nearestRank(s, 0.10) / 1e6,
        nearestRank(s, 0.90) / 1e6,
        s[0] / 1e6,
        mean,
        cpuMedian(cpuNanos),
        medianSpread);
  }

  private static double cpuMedian(long[] cpuNanos) {
    if (cpuNanos == null || cpuNanos.length == 0 || Arrays.stream(cpuNanos).anyMatch(c -> c < 0)) {
      return Double.NaN;
    }
    long[] c = cpuNanos.clone();
    Arrays.sort(c);
    return median(c) / 1e6;
  }

  private static double median(long[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  private static double nearestRank(long[] sorted, double q) {
    int idx = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  /** Inputs per second at the median latency. */
  public double throughputPerSecond() {
    return batchSize * 1000.0 / medianMillis;
  }
}
