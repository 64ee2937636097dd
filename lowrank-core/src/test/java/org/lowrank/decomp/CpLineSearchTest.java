package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * The line search's cheap error of the extrapolated point (from the partials of the linear mode and
 * the Grams, no reconstruction) against the exact residual of the factors it keeps.
 */
class CpLineSearchTest {
  private static final LinearAlgebra LA = LinearAlgebra.openBlas(1);

  /** A planted rank-r tensor plus 1% noise: the fit's error stays well above the cheap floor. */
  private static DenseTensor noisyPlanted(long seed, int[] shape, int r) {
    DenseTensor x = Planted.cp(seed, shape, r);
    DenseTensor noise = DenseTensor.random(seed + 100, shape);
    return x.plus(noise.scale(0.01 * x.frobeniusNorm() / noise.frobeniusNorm()));
  }

  private static final int[][] SHAPES = {
    {12, 9, 8}, // C_in < C_out: linear mode 0 (tail partial carried between sweeps)
    {8, 9, 12}, // linear mode 2 (head partial formed a sweep early)
    {20, 3, 3, 4}, // order 4, head of mode 0 alone
    {4, 3, 3, 20}, // order 4, tail of the last mode alone
    {6, 4, 3, 5} // both groups of two modes: the exact residual
  };

  private static final int[] LINEAR = {0, 2, 0, 3, -1};

  /** One ALS sweep in place: A_n = M_n V^-1, normalized, the last mode's norms into lambda. */
  private static void sweep(CpMttkrp mt, double[][] a, double[] lambda, int[] shape, int rank) {
    for (int n = 0; n < shape.length; n++) {
      double[] v = new double[rank * rank];
      Arrays.fill(v, 1);
      for (int k = 0; k < shape.length; k++) {
        if (k != n) {
          double[] g = LA.gram(a[k], shape[k], rank, false);
          for (int i = 0; i < v.length; i++) {
            v[i] *= g[i];
          }
        }
      }
      a[n] = LA.solveSymmetricRight(v, rank, mt.compute(a, n), shape[n]);
      CpAls.normalizeColumns(a[n], shape[n], rank, lambda, n);
    }
  }

  private static double[][] grams(double[][] a, int[] shape, int rank) {
    double[][] g = new double[a.length][];
    for (int n = 0; n < a.length; n++) {
      g[n] = LA.gram(a[n], shape[n], rank, false);
    }
    return g;
  }

  /**
   * The error of the extrapolated point from the partials and Grams equals the exact residual of
   * the factors kept, and the partial carried to the next sweep (tail partial kept, or head partial
   * preset) gives the MTTKRPs of a fresh instance, whether the step was taken or not.
   */
  @Test
  void theCheapErrorOfTheExtrapolatedPointIsTheExactResidual() {
    int rank = 5;
    for (int s = 0; s < SHAPES.length; s++) {
      int[] shape = SHAPES[s];
      DenseTensor x = noisyPlanted(s + 1, shape, 6);
      double[] data = x.toArray();
      double normX = x.frobeniusNorm();
      Random rnd = new Random(s);
      double[][] a = new double[shape.length][];
      double[] lambda = new double[rank];
      for (int n = 0; n < shape.length; n++) {
        a[n] = new double[shape[n] * rank];
        for (int i = 0; i < a[n].length; i++) {
          a[n][i] = rnd.nextGaussian();
        }
        CpAls.normalizeColumns(a[n], shape[n], rank, lambda, n);
      }
      try (CpMttkrp mt = new CpMttkrp(LA, data, shape, rank)) {
        assertEquals(LINEAR[s], mt.linearMode(), Arrays.toString(shape));
        CpLineSearch ls = new CpLineSearch(LA, mt, data, shape, rank, normX);
        sweep(mt, a, lambda, shape, rank);
        ls.plainSweepDone();
        for (int it = 2; it <= 7; it++) {
          String where = Arrays.toString(shape) + " sweep " + it;
          ls.begin(a, lambda);
          sweep(mt, a, lambda, shape, rank);
          double sweepError = CpAls.exactResidual(LA, data, shape, normX, a, lambda, rank);
          // the step is taken after a plain sweep, after a taken step and after a refused one
          boolean take = it != 2 && it != 5;
          double bar = take ? Double.POSITIVE_INFINITY : 0;
          double[][] g = grams(a, shape, rank);
          double kept = ls.step(it, bar, a, lambda, g);
          double exact = CpAls.exactResidual(LA, data, shape, normX, a, lambda, rank);
          if (take) {
            assertTrue(exact > 1e-3, where + ": " + exact);
            assertEquals(exact, kept, 1e-9 * exact, where + " taken");
            double[][] fresh = grams(a, shape, rank);
            for (int n = 0; n < shape.length; n++) {
              assertArrayEquals(fresh[n], g[n], 1e-12, where + " gram " + n);
            }
          } else {
            assertEquals(0.0, kept, where + " not taken");
            assertEquals(sweepError, exact, 0.0, where + " factors unchanged");
          }
          try (CpMttkrp fresh = new CpMttkrp(LA, data, shape, rank)) {
            assertArrayEquals(fresh.compute(a, 0), mt.compute(a, 0), 1e-10, where + " mode 0");
          }
        }
      }
    }
  }

  /** The row-by-row column normalization is bit for bit the column-by-column loop. */
  @Test
  void normalizeColumnsIsBitForBitTheColumnLoop() {
    Random rnd = new Random(9);
    int rows = 37;
    int rank = 11;
    double[] f = new double[rows * rank];
    for (int i = 0; i < f.length; i++) {
      f[i] = rnd.nextGaussian() * Math.exp(rnd.nextGaussian());
    }
    for (int i = 0; i < rows; i++) {
      f[i * rank + 4] = 0; // a zero column becomes a unit vector
    }
    double[] want = f.clone();
    double[] wantNorms = new double[rank];
    for (int c = 0; c < rank; c++) {
      double sum = 0;
      for (int i = 0; i < rows; i++) {
        sum += want[i * rank + c] * want[i * rank + c];
      }
      double norm = Math.sqrt(sum);
      for (int i = 0; i < rows && norm > 0; i++) {
        want[i * rank + c] /= norm;
      }
      wantNorms[c] = norm;
    }
    want[((4 + 1) % rows) * rank + 4] = 1;
    double[] norms = new double[rank];
    CpAls.normalizeColumns(f, rows, rank, norms, 1);
    assertArrayEquals(want, f, 0.0);
    assertArrayEquals(wantNorms, norms, 0.0);
  }
}
