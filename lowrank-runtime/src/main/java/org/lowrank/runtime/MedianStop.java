package org.lowrank.runtime;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * When to stop timing one configuration: the median of the run times seen so far is taken every
 * {@link #CHECK_EVERY} runs (a checkpoint); timing stops once at least {@code minRuns} runs are in
 * and the last {@link #WINDOW} checkpoint medians lie within {@code tolerance} of each other,
 * relative to the latest: spread = (max - min) / latest &lt;= tolerance. The spread is reported
 * with the result so that a reader sees how settled the median was. Tolerance 0 never stops early
 * (a fixed run count).
 *
 * <p>Deterministic and cheap: one sort of n samples per checkpoint. Not thread-safe.
 */
public final class MedianStop {
  /** Runs between checkpoints. */
  public static final int CHECK_EVERY = 5;

  /** Checkpoint medians compared. */
  public static final int WINDOW = 4;

  private final double tolerance;
  private final int minRuns;
  private long[] samples = new long[64];
  private int n;
  private final Deque<Double> medians = new ArrayDeque<>();

  /**
   * @param tolerance relative spread of the last checkpoint medians that counts as settled (>= 0; 0
   *     = never settled)
   * @param minRuns runs before the rule may stop (>= 1)
   */
  public MedianStop(double tolerance, int minRuns) {
    if (!(tolerance >= 0) || minRuns < 1) {
      throw new IllegalArgumentException(
          "need tolerance >= 0 and minRuns >= 1, found " + tolerance + " and " + minRuns);
    }
    this.tolerance = tolerance;
    this.minRuns = minRuns;
  }

  /** Adds one run time (any unit, e.g. nanoseconds). */
  public void add(long sample) {
    if (n == samples.length) {
      samples = Arrays.copyOf(samples, 2 * n);
    }
    samples[n++] = sample;
    if (n % CHECK_EVERY == 0) {
      medians.addLast(median(Arrays.copyOf(samples, n)));
      if (medians.size() > WINDOW) {
        medians.removeFirst();
      }
    }
  }

  /** Runs added so far. */
  public int runs() {
    return n;
  }

  /**
   * Relative spread (max - min) / latest of the last {@link #WINDOW} checkpoint medians; NaN before
   * {@link #WINDOW} checkpoints.
   */
  public double spread() {
    if (medians.size() < WINDOW) {
      return Double.NaN;
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double m : medians) {
      lo = Math.min(lo, m);
      hi = Math.max(hi, m);
    }
    return (hi - lo) / medians.peekLast();
  }

  /** True when the median has settled: enough runs and a spread within the tolerance. */
  public boolean settled() {
    double s = spread();
    return tolerance > 0 && n >= minRuns && s <= tolerance;
  }

  /**
   * The number of runs after which the rule stops on {@code samples} (at most its length): for
   * checking the rule on recorded or synthetic sequences.
   */
  public static int stopAfter(long[] samples, double tolerance, int minRuns) {
    MedianStop s = new MedianStop(tolerance, minRuns);
    for (long x : samples) {
      s.add(x);
      if (s.settled()) {
        break;
      }
    }
    return s.runs();
  }

  private static double median(long[] v) {
    Arrays.sort(v);
    int m = v.length;
    return m % 2 == 1 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2.0;
  }
}
