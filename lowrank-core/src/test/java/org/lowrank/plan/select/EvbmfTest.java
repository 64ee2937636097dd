package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

class EvbmfTest {

  /**
   * L x M matrix = sum of `rank` strong components + Gaussian noise of standard deviation sigma.
   */
  private static double[] plantedSingularValues(long seed, int l, int m, int rank, double sigma) {
    DenseTensor signal =
        rank == 0
            ? DenseTensor.zeros(l, m)
            : DenseTensor.random(seed, l, rank)
                .matmul(DenseTensor.random(seed + 1, rank, m))
                .scale(3.0);
    DenseTensor noise = DenseTensor.random(seed + 2, l, m).scale(sigma);
    return LinearAlgebra.defaultInstance().singularValues(signal.plus(noise).toArray(), l, m);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void recoversPlantedRankAndNoiseVariance(long seed) {
    double[] s = plantedSingularValues(seed, 64, 200, 7, 0.5);
    Evbmf.Result r = Evbmf.estimate(s, 64, 200);
    assertEquals(7, r.rank());
    assertEquals(0.25, r.noiseVariance(), 0.05);
  }

  @Test
  void pureNoiseGivesRankZeroAndZeroMatrixIsHandled() {
    double[] s = plantedSingularValues(9, 40, 120, 0, 1.0);
    assertEquals(0, Evbmf.estimate(s, 40, 120).rank());
    assertEquals(0, Evbmf.estimate(new double[] {0, 0, 0}, 3, 5).rank());
    assertThrows(IllegalArgumentException.class, () -> Evbmf.estimate(new double[0], 3, 5));
  }
}
