package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

/** {@link CpAls#fitFrom}: the start's components are kept, the new columns come from the init. */
class CpAlsWarmStartTest {
  private static CpAls als(int sweeps) {
    return CpAls.builder().optSeed(1).optMaxIterations(sweeps).optMinIterations(sweeps).build();
  }

  @Test
  void anExactStartStaysExactAfterOneSweep() {
    for (int[] shape : new int[][] {{10, 9, 8}, {6, 5, 4, 3}}) {
      DenseTensor x = Planted.cp(2, shape, 3);
      CpTensor exact = als(200).fit(x, 3).tensor();
      assertTrue(exact.relativeError(x) < 1e-6, "cold fit " + exact.relativeError(x));
      // rank 3 from the exact rank-3 fit, and rank 4 with one more (SVD) column
      for (int rank : new int[] {3, 4}) {
        CpAls.Fit warm = als(1).fitFrom(x, exact, rank);
        assertEquals(rank, warm.tensor().rank());
        double err = warm.tensor().relativeError(x);
        assertTrue(err < 1e-5, java.util.Arrays.toString(shape) + " rank " + rank + ": " + err);
      }
    }
  }

  @Test
  void aStartOfAnotherShapeOrAHigherRankIsRejected() {
    DenseTensor x = Planted.cp(2, new int[] {6, 5, 4}, 3);
    CpTensor start = als(5).fit(x, 3).tensor();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> als(5).fitFrom(x, start, 2));
    assertTrue(
        e.getMessage().contains("warm start") && e.getMessage().contains("rank 3"), e.getMessage());
    DenseTensor y = DenseTensor.random(1, 6, 5, 5);
    assertThrows(IllegalArgumentException.class, () -> als(5).fitFrom(y, start, 3));
  }
}
