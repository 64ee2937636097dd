package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

/**
 * CP-ALS with line search: plain sweeps up to the minimum (so a fit scored at that many sweeps is
 * reproduced exactly), then extrapolated sweeps that never raise the error, reach the error of many
 * more plain sweeps, and still recover a planted tensor.
 */
class CpAlsLineSearchTest {
  private static CpAls.Builder als(int min, int max, boolean lineSearch, List<double[]> seen) {
    return CpAls.builder()
        .optSeed(3)
        .optMinIterations(min)
        .optMaxIterations(max)
        .optLineSearch(lineSearch)
        .optStopRule(
            (errors, cap) -> {
              seen.add(errors);
              return false;
            });
  }

  @Test
  void theSweepsBeforeTheMinimumArePlainAndLaterOnesNeverRaiseTheError() {
    DenseTensor x = DenseTensor.random(5, 16, 9, 16);
    List<double[]> plain = new ArrayList<>();
    List<double[]> ls = new ArrayList<>();
    als(25, 60, false, plain).build().fit(x, 56);
    als(25, 60, true, ls).build().fit(x, 56);
    double[] p = plain.get(plain.size() - 1);
    double[] e = ls.get(ls.size() - 1);
    assertArrayEquals(
        java.util.Arrays.copyOf(p, 25), java.util.Arrays.copyOf(e, 25), 0.0, "bitwise equal");
    for (int i = 1; i < e.length; i++) {
      assertTrue(e[i] <= e[i - 1] + 1e-12, "sweep " + (i + 1) + ": " + e[i - 1] + " -> " + e[i]);
    }
    assertTrue(e[e.length - 1] < p[p.length - 1], "extrapolation gained something by sweep 60");
  }

  @Test
  void twoHundredLineSearchSweepsFitAtLeastAsWellAsFiveHundredPlainOnes() {
    // a random 3x3 kernel at its break-even rank: the slow swamp of the deployed CP fits
    DenseTensor x = DenseTensor.random(11, 16, 9, 16);
    CpAls.Fit plain = CpAls.builder().optSeed(3).optMaxIterations(500).build().fit(x, 56);
    CpAls.Fit ls =
        CpAls.builder()
            .optSeed(3)
            .optMinIterations(25)
            .optMaxIterations(200)
            .optLineSearch(true)
            .build()
            .fit(x, 56);
    assertTrue(
        ls.relativeError() <= plain.relativeError(),
        "line search 200: " + ls.relativeError() + ", plain 500: " + plain.relativeError());
    assertTrue(Math.abs(ls.tensor().relativeError(x) - ls.relativeError()) < 1e-9);
  }

  @Test
  void aPlantedTensorIsStillRecovered() {
    for (long seed = 1; seed <= 3; seed++) {
      DenseTensor x = Planted.cp(seed, new int[] {12, 10, 8}, 5);
      CpAls.Fit f =
          CpAls.builder()
              .optSeed(seed)
              .optMinIterations(2)
              .optMaxIterations(300)
              .optLineSearch(true)
              .build()
              .fit(x, 5);
      assertTrue(f.tensor().relativeError(x) < 1e-6, "seed " + seed + ": " + f.relativeError());
    }
  }
}
