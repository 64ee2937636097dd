package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.graph.TensorValue;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.tensor.DenseTensor;

/**
 * {@link CpAls#resume}: continuing the first sweeps of a fit gives bit for bit the fit that runs
 * them all itself, and {@link CpFits} lets a rank search's fit be where the deployed fit starts.
 */
class CpAlsResumeTest {

  /**
   * As compress deploys: 200 sweeps, line search after the first 25, relative tolerance 1e-5, or
   * with {@code tight} tolerances that keep a fit searching.
   */
  private static CpAls deployed(long seed, boolean tight) {
    return CpAls.builder()
        .optSeed(seed)
        .optMaxIterations(200)
        .optMinIterations(25)
        .optRelativeTolerance(tight ? 0 : 1e-5)
        .optTolerance(tight ? 1e-13 : 1e-8)
        .optLineSearch(true)
        .build();
  }

  /** The energy selector's score: at most {@code sweeps} plain sweeps from the same start. */
  private static CpAls scored(long seed, int sweeps, boolean tight) {
    return CpAls.builder()
        .optSeed(seed)
        .optMaxIterations(sweeps)
        .optMinIterations(Math.min(25, sweeps))
        .optRelativeTolerance(tight ? 0 : 1e-5)
        .optTolerance(tight ? 1e-13 : 1e-8)
        .build();
  }

  private static void assertSameFit(CpAls.Fit expected, CpAls.Fit actual) {
    assertEquals(expected.iterations(), actual.iterations());
    assertEquals(expected.converged(), actual.converged());
    assertArrayEquals(expected.errors(), actual.errors());
    assertArrayEquals(expected.tensor().weights(), actual.tensor().weights());
    for (int n = 0; n < expected.tensor().order(); n++) {
      assertArrayEquals(
          expected.tensor().factor(n).toArray(), actual.tensor().factor(n).toArray(), "mode " + n);
    }
  }

  @Test
  void continuingTheScoredSweepsGivesTheDeployedFitBitForBit() {
    // noisy kernel views [C_out, K, C_in], ranks below and above the channel counts; the line
    // search extrapolates along mode 0 when C_in < C_out, along the last mode otherwise
    for (int[] shape : new int[][] {{20, 9, 16}, {16, 9, 20}}) {
      DenseTensor x = Planted.cp(5, shape, 12).plus(DenseTensor.random(6, shape));
      for (int rank : new int[] {10, 24}) {
        CpAls.Fit cold = deployed(3, true).fit(x, rank);
        String what = java.util.Arrays.toString(shape) + " rank " + rank;
        assertTrue(cold.iterations() > 25, what + ": the fit searches, " + cold.iterations());
        for (int sweeps : new int[] {1, 7, 25}) {
          CpAls.Fit start = scored(3, sweeps, true).fit(x, rank);
          assertEquals(sweeps, start.iterations(), what);
          assertSameFit(cold, deployed(3, true).resume(x, start));
        }
      }
    }
  }

  @Test
  void aFitTheDeployedOneWouldHaveStoppedAtIsReturnedAsItIs() {
    // exact rank 4: the tolerance stops the fit at its 25th sweep, the first it may stop at
    DenseTensor x = Planted.cp(8, new int[] {10, 9, 12}, 4);
    CpAls.Fit cold = deployed(1, false).fit(x, 4);
    assertEquals(25, cold.iterations(), "stopped as soon as allowed");
    CpAls.Fit start = scored(1, 25, false).fit(x, 4);
    assertSameFit(cold, deployed(1, false).resume(x, start));
  }

  @Test
  void aFitWithSweepsThisOneWouldSearchIsRefused() {
    DenseTensor x = DenseTensor.random(2, 8, 9, 8);
    CpAls.Fit long30 = scored(0, 30, false).fit(x, 6);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> deployed(0, false).resume(x, long30));
    assertTrue(e.getMessage().contains("30 sweeps"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            deployed(0, false)
                .resume(DenseTensor.random(2, 8, 9, 7), scored(0, 5, false).fit(x, 6)));
  }

  @Test
  void sharedStartSpectraGiveTheSameFitsAtEveryRank() {
    // [24, 9, 20]: ranks 3 and 5 take the top-k eigenpairs of the wide unfoldings, 12 and 30 all
    DenseTensor x = DenseTensor.random(7, 24, 9, 20);
    CpFits fits = new CpFits(0);
    for (int rank : new int[] {3, 12, 5, 30, 12}) {
      CpAls.Fit alone = scored(4, 6, false).fit(x, rank);
      CpAls.Fit shared =
          CpAls.builder()
              .optSeed(4)
              .optMaxIterations(6)
              .optMinIterations(6)
              .optRelativeTolerance(1e-5)
              .optFits(fits)
              .build()
              .fit(DenseTensor.of(x.toArray(), x.shape()), rank);
      assertSameFit(alone, shared);
    }
    // another tensor replaces the kept spectra
    DenseTensor y = DenseTensor.random(8, 24, 9, 20);
    assertSameFit(
        scored(4, 6, false).fit(y, 12),
        CpAls.builder()
            .optSeed(4)
            .optMaxIterations(6)
            .optMinIterations(6)
            .optRelativeTolerance(1e-5)
            .optTolerance(1e-13)
            .optFits(fits)
            .build()
            .fit(y, 12));
  }

  @Test
  void aSharedCacheRunsTheScoredSweepsOnceAndDeploysTheSameLayer() {
    // [C_out, C_in, 3, 3] with a rank above the channel counts, as a rank search scores it
    DenseTensor w = DenseTensor.random(4, 12, 10, 3, 3);
    TensorValue tv =
        TensorValue.ofFloats(
            java.util.Arrays.stream(w.shape()).asLongStream().toArray(), w.toFloats());
    Choice cp = Choice.of(Method.CP, 30);
    CpFits fits = new CpFits(1 << 20);
    LayerFactorizer scorer =
        LayerFactorizer.builder().optSeed(9).optCpIterations(25).optCpFits(fits).build();
    scorer.factorizeConv(tv, cp);
    assertEquals(1, fits.size(), "the score's 25 plain sweeps are kept");
    float[] resumed =
        LayerFactorizer.builder()
            .optSeed(9)
            .optCpFits(fits)
            .build()
            .factorizeConv(tv, cp)
            .reconstruct()
            .toFloatArray();
    float[] cold =
        LayerFactorizer.builder()
            .optSeed(9)
            .build()
            .factorizeConv(tv, cp)
            .reconstruct()
            .toFloatArray();
    assertArrayEquals(cold, resumed);
    assertEquals(1, fits.size(), "a fit with line-search sweeps is not kept");
    // another seed starts elsewhere: not continued from the kept fit
    assertTrue(
        fits.get(ConvKernels.threeWay(DenseTensor.fromFloats(w.toFloats(), w.shape())), 8, 30)
            .isEmpty());
  }
}
