package org.lowrank.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stopping rule on synthetic run-time sequences (nothing is timed here). */
class MedianStopTest {
  private static long[] noisy(int n, long center, double relNoise, long seed) {
    Random r = new Random(seed);
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = Math.round(center * (1 + relNoise * (2 * r.nextDouble() - 1)));
    }
    return v;
  }

  @Test
  void steadyRunsStopAtTheMinimum() {
    long[] v = noisy(200, 1_000_000, 0.01, 1);
    assertEquals(20, MedianStop.stopAfter(v, 0.02, 20));
  }

  @Test
  void rareOutliersDoNotKeepItRunning() {
    long[] v = noisy(200, 1_000_000, 0.01, 2);
    for (int i = 3; i < v.length; i += 7) {
      v[i] *= 10; // a neighbour's burst every 7th run
    }
    assertEquals(20, MedianStop.stopAfter(v, 0.02, 20));
  }

  @Test
  void driftingRunsNeverSettle() {
    long[] v = new long[100];
    for (int i = 0; i < v.length; i++) {
      v[i] = 1_000_000 + 20_000L * i; // +2% of the start per run: the median keeps moving
    }
    assertEquals(100, MedianStop.stopAfter(v, 0.02, 20));
  }

  @Test
  void wideNoiseNeedsMoreRunsThanNarrowNoise() {
    int narrow = MedianStop.stopAfter(noisy(400, 1_000_000, 0.02, 3), 0.01, 10);
    int wide = MedianStop.stopAfter(noisy(400, 1_000_000, 0.5, 3), 0.01, 10);
    assertTrue(wide > narrow, "wide " + wide + " narrow " + narrow);
    assertTrue(wide < 400, "wide noise settles eventually: " + wide);
  }

  @Test
  void spreadIsReportedAndZeroToleranceRunsAll() {
    MedianStop s = new MedianStop(0.05, 1);
    assertTrue(Double.isNaN(s.spread()));
    long[] v = {
      100, 100, 100, 100, 100, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110, 110,
      110
    };
    for (long x : v) {
      s.add(x);
    }
    // running medians at 5, 10, 15, 20 runs: 100, 105, 110, 110
    assertEquals((110 - 100) / 110.0, s.spread(), 1e-12);
    assertTrue(!s.settled());
    assertEquals(50, MedianStop.stopAfter(noisy(50, 1000, 0.0, 4), 0.0, 1));
    assertThrows(IllegalArgumentException.class, () -> new MedianStop(-0.1, 5));
  }
}
