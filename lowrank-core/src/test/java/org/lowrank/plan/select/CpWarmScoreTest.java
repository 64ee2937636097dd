package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;

/**
 * Warm-started CP scores ({@link KeptEnergy#DEFAULT_CP_WARM_SWEEPS} sweeps from the next smaller
 * rank's fit) against cold ones ({@link KeptEnergy#DEFAULT_CP_SWEEPS} sweeps from the SVD start)
 * and against the deployed fit, over increasing ranks as the energy selector scores them.
 */
class CpWarmScoreTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();
  private static final long SEED = 3;

  /**
   * Asserts |warm - cold| <= tolerance at every rank, and warm <= deployed + 0.001 (the deployed
   * fit runs up to 200 sweeps with line search from the cold start).
   */
  private static void compare(LayerInput l, int[] ranks, double tolerance) {
    KeptEnergy cold = new KeptEnergy(LA, SEED, KeptEnergy.DEFAULT_CP_SWEEPS);
    KeptEnergy warm =
        new KeptEnergy(
            LA, SEED, KeptEnergy.DEFAULT_CP_SWEEPS, Double.NaN, KeptEnergy.DEFAULT_CP_WARM_SWEEPS);
    StringBuilder sb = new StringBuilder();
    for (int r : ranks) {
      Choice c = Choice.of(Method.CP, r);
      double sc = cold.score(l, c);
      double sw = warm.score(l, c);
      double dep = TestLayers.deployed(l, c, SEED);
      sb.append(
          String.format("%s r=%d cold %.5f warm %.5f deployed %.5f%n", l.name(), r, sc, sw, dep));
      assertTrue(
          Math.abs(sw - sc) <= tolerance && sw <= dep + 1e-3,
          l.name() + " " + c + ": warm " + sw + " cold " + sc + " deployed " + dep + "\n" + sb);
    }
  }

  /**
   * The eight spread ranks of a [48, 48, 3, 3] random kernel up to its 10%-saving cap: measured
   * warm - cold from -0.003 (rank 44) to +0.016 (rank 178), every warm score below the deployed.
   */
  @Test
  void warmScoresOfARandomKernelStayNearTheColdOnes() {
    compare(
        TestLayers.random("random48", 48, 5), new int[] {22, 44, 66, 89, 111, 133, 155, 178}, 0.02);
  }

  /**
   * A [24, 24, 3, 3] kernel of CP rank 12 plus 5% noise: within 0.001 of the cold score at every
   * rank but the planted one, where the warm fit from rank 8 is still in a swamp after 12 sweeps
   * (measured 0.9729 against 0.9979 cold): the search may then pick the next grid rank.
   */
  @Test
  void warmScoresOfAPlantedCpKernelStayNearTheColdOnes() {
    compare(TestLayers.cp("planted", 24, 12, 4, 0.05), new int[] {4, 8, 16, 24, 32}, 0.001);
    compare(TestLayers.cp("planted", 24, 12, 4, 0.05), new int[] {4, 8, 12}, 0.03);
  }
}
