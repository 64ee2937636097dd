package org.lowrank.plan.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.linalg.LinearAlgebra;

/** Each method's score against the kept energy of the factors compress deploys. */
class KeptEnergyTest {
  private static final LinearAlgebra LA = LinearAlgebra.defaultInstance();
  private static final long SEED = 11;

  @Test
  void svdQrAndTtMatrixScoresAreExact() {
    LayerInput fc = TestLayers.dense("fc", 24, 20, 6, 3, 0.2);
    KeptEnergy e = new KeptEnergy(LA, SEED, KeptEnergy.DEFAULT_CP_SWEEPS);
    for (int r = 1; r <= 20; r++) {
      for (Choice c : List.of(Choice.of(Method.SVD, r), Choice.of(Method.QR, r))) {
        assertEquals(TestLayers.deployed(fc, c, SEED), e.score(fc, c), 1e-6, c.toString());
      }
    }
    int max = CandidateGrid.ttmMaxRank(CandidateGrid.ttmModes(fc.geometry()));
    for (int r = 1; r <= max; r++) {
      Choice c = CandidateGrid.ttm(fc.geometry(), r);
      assertEquals(TestLayers.deployed(fc, c, SEED), e.score(fc, c), 1e-6, c.toString());
    }
  }

  @Test
  void tuckerAndTtScoresAreLowerBoundsWithin10PercentOfTheError() {
    KeptEnergy e = new KeptEnergy(LA, SEED, KeptEnergy.DEFAULT_CP_SWEEPS);
    for (LayerInput l :
        List.of(TestLayers.tucker("t", 16, 6, 1, 0.3), TestLayers.random("n", 16, 2))) {
      for (int[] r : new int[][] {{2, 2}, {4, 8}, {8, 8}, {12, 5}, {16, 6}, {6, 16}, {15, 15}}) {
        for (Method m : List.of(Method.TUCKER2, Method.TT)) {
          Choice c = Choice.of(m, r);
          double deployed = TestLayers.deployed(l, c, SEED);
          double score = e.score(l, c);
          assertTrue(
              score <= deployed + 1e-6,
              l.name() + " " + c + ": score " + score + " > deployed " + deployed);
          assertTrue(
              1 - score <= 1.1 * (1 - deployed) + 1e-6,
              l.name()
                  + " "
                  + c
                  + ": error "
                  + (1 - score)
                  + " far above the deployed "
                  + (1 - deployed));
        }
      }
    }
  }

  @Test
  void cpScoreIsAShortFitOfTheDeployedOne() {
    KeptEnergy e = new KeptEnergy(LA, SEED, KeptEnergy.DEFAULT_CP_SWEEPS);
    for (LayerInput l :
        List.of(TestLayers.cp("c", 16, 10, 4, 0.05), TestLayers.random("n", 16, 5))) {
      for (int r : new int[] {3, 10, 30}) {
        Choice c = Choice.of(Method.CP, r);
        double deployed = TestLayers.deployed(l, c, SEED);
        double score = e.score(l, c);
        assertTrue(
            score <= deployed + 1e-6,
            l.name() + " " + c + ": score " + score + " > deployed " + deployed);
        assertTrue(
            score >= deployed - 0.05,
            l.name() + " " + c + ": score " + score + " far below " + deployed);
      }
    }
  }
}
