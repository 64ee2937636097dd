package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

class CpMttkrpTest {
  private static final LinearAlgebra LA = LinearAlgebra.openBlas(1);

  private static final int[][] SHAPES = {
    {7, 5}, // matrix
    {6, 9, 5}, // [C_out, k*k, C_in] view
    {5, 3, 11}, // small middle mode first in the tail
    {6, 4, 3, 3}, // [C_out, C_in, kh, kw]: last mode 3
    {3, 3, 4, 6}, // small modes first: the split falls late
    {4, 3, 2, 5, 3} // order 5
  };

  /**
   * M[i, c] = sum over all other indices of X[idx] prod_{k != n} A_k[idx_k, c], one element at a
   * time.
   */
  private static double[] naive(DenseTensor x, double[][] a, int n, int rank) {
    int[] shape = x.shape();
    double[] data = x.toArray();
    double[] m = new double[shape[n] * rank];
    int[] idx = new int[shape.length];
    for (int flat = 0; flat < data.length; flat++) {
      int rest = flat;
      for (int k = shape.length - 1; k >= 0; k--) {
        idx[k] = rest % shape[k];
        rest /= shape[k];
      }
      for (int c = 0; c < rank; c++) {
        double w = data[flat];
        for (int k = 0; k < shape.length; k++) {
          if (k != n) {
            w *= a[k][idx[k] * rank + c];
          }
        }
        m[idx[n] * rank + c] += w;
      }
    }
    return m;
  }

  private static double[][] randomFactors(Random rnd, int[] shape, int rank) {
    double[][] a = new double[shape.length][];
    for (int k = 0; k < shape.length; k++) {
      a[k] = new double[shape[k] * rank];
      for (int i = 0; i < a[k].length; i++) {
        a[k][i] = rnd.nextGaussian();
      }
    }
    return a;
  }

  @Test
  void everyModeAloneMatchesNaive() {
    for (int[] shape : SHAPES) {
      for (int rank : new int[] {1, 4}) {
        DenseTensor x = DenseTensor.random(shape.length * 10L + rank, shape);
        double[][] a = randomFactors(new Random(rank), shape, rank);
        for (int n = 0; n < shape.length; n++) {
          // a fresh instance per mode: the first request of any mode, in any order, is exact
          try (CpMttkrp mt = new CpMttkrp(LA, x.toArray(), shape, rank)) {
            assertArrayEquals(
                naive(x, a, n, rank),
                mt.compute(a, n),
                1e-10,
                java.util.Arrays.toString(shape) + " rank " + rank + " mode " + n);
          }
        }
      }
    }
  }

  /** The ALS order: factor n replaced right after its own MTTKRP, over three sweeps. */
  @Test
  void alsOrderWithUpdatedFactorsMatchesNaive() {
    for (int[] shape : SHAPES) {
      int rank = 3;
      DenseTensor x = DenseTensor.random(77, shape);
      Random rnd = new Random(5);
      double[][] a = randomFactors(rnd, shape, rank);
      try (CpMttkrp mt = new CpMttkrp(LA, x.toArray(), shape, rank)) {
        for (int sweep = 0; sweep < 3; sweep++) {
          for (int n = 0; n < shape.length; n++) {
            assertArrayEquals(
                naive(x, a, n, rank),
                mt.compute(a, n),
                1e-10,
                java.util.Arrays.toString(shape) + " sweep " + sweep + " mode " + n);
            a[n] = randomFactors(rnd, new int[] {shape[n]}, rank)[0];
          }
        }
      }
    }
  }

  @Test
  void splitBalancesHeadAndTail() {
    assertEquals(1, CpMttkrp.bestSplit(new int[] {256, 256, 3, 3}));
    assertEquals(3, CpMttkrp.bestSplit(new int[] {3, 3, 256, 256}));
    assertEquals(1, CpMttkrp.bestSplit(new int[] {7, 5}));
  }
}
