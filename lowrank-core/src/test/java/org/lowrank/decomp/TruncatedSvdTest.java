package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

class TruncatedSvdTest extends FactorizerContractTest<LowRankMatrix> {
  private final TruncatedSvd svd = TruncatedSvd.builder().optLinearAlgebra(LA).build();

  @Override
  protected LowRankMatrix factorize(DenseTensor input, long seed, int... ranks) {
    return svd.factorize(input, ranks);
  }

  @Override
  protected DenseTensor sampleInput(long seed) {
    return DenseTensor.random(seed, 30, 18);
  }

  @Override
  protected int[] fullRanks(int[] shape) {
    return new int[] {Math.min(shape[0], shape[1])};
  }

  @Override
  protected int[] truncatingRanks(int[] shape) {
    return new int[] {5};
  }

  @Override
  protected int[] impossibleRanks(int[] shape) {
    return new int[] {19};
  }

  @Override
  protected int offendingValue(int[] shape) {
    return 19;
  }

  @Override
  protected long closedFormParameterCount(int[] shape, int[] ranks) {
    return TruncatedSvd.parameterCount(shape[0], shape[1], ranks[0]);
  }

  @Override
  protected List<DenseTensor> factors(LowRankMatrix f) {
    return List.of(f.left(), f.right());
  }

  @Test
  void plantedRankRecoveredByBothAlgorithmsAndShapes() {
    for (TruncatedSvd.Algorithm alg : TruncatedSvd.Algorithm.values()) {
      TruncatedSvd s = TruncatedSvd.builder().optLinearAlgebra(LA).optAlgorithm(alg).build();
      for (long seed = 1; seed <= 4; seed++) {
        for (int[] mn : new int[][] {{40, 25}, {25, 40}}) {
          DenseTensor w = Planted.matrix(seed, mn[0], mn[1], 7);
          double err = s.factorize(w, 7).relativeError(w);
          assertTrue(err < 1e-10, alg + " seed " + seed + ": " + err);
        }
      }
    }
  }

  @Test
  void truncationErrorIsEckartYoungOptimal() {
    DenseTensor w = DenseTensor.random(3, 35, 20);
    double[] s = svd.singularValues(w);
    double tail = 0;
    for (int i = 6; i < s.length; i++) {
      tail += s[i] * s[i];
    }
    double expected = Math.sqrt(tail) / w.frobeniusNorm();
    for (TruncatedSvd.Split split : TruncatedSvd.Split.values()) {
      for (TruncatedSvd.Algorithm alg : TruncatedSvd.Algorithm.values()) {
        TruncatedSvd t =
            TruncatedSvd.builder().optLinearAlgebra(LA).optSplit(split).optAlgorithm(alg).build();
        assertEquals(expected, t.factorize(w, 6).relativeError(w), 1e-12, split + " " + alg);
      }
    }
  }

  @Test
  void splitsDistributeSingularValues() {
    DenseTensor w = DenseTensor.random(4, 12, 9);
    double s0 = svd.singularValues(w)[0];
    LowRankMatrix left =
        TruncatedSvd.builder()
            .optLinearAlgebra(LA)
            .optSplit(TruncatedSvd.Split.LEFT)
            .build()
            .factorize(w, 3);
    // B = V^T has orthonormal rows; the first column of A = U S has norm s_0.
    assertEquals(1.0, rowNorm(left.right(), 0), 1e-12);
    LowRankMatrix balanced = svd.factorize(w, 3);
    assertEquals(Math.sqrt(s0), rowNorm(balanced.right(), 0), 1e-10);
  }

  private static double rowNorm(DenseTensor m, int i) {
    double s = 0;
    for (int j = 0; j < m.dim(1); j++) {
      s += m.get(i, j) * m.get(i, j);
    }
    return Math.sqrt(s);
  }

  @Test
  void energyFractionPicksSmallestSufficientRank() {
    assertEquals(1, TruncatedSvd.rankForEnergy(new double[] {3, 1, 1}, 0.8));
    assertEquals(2, TruncatedSvd.rankForEnergy(new double[] {3, 1, 1}, 0.9));
    assertEquals(3, TruncatedSvd.rankForEnergy(new double[] {3, 1, 1}, 1.0));
    DenseTensor w = Planted.matrix(9, 20, 15, 4);
    assertEquals(4, svd.factorizeEnergy(w, 1.0 - 1e-12).rank());
  }
}
