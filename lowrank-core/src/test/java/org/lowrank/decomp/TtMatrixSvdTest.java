package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

class TtMatrixSvdTest extends FactorizerContractTest<TtMatrix> {
  private final TtMatrixSvd ttm = TtMatrixSvd.builder().optLinearAlgebra(LA).build();

  @Override
  protected TtMatrix factorize(DenseTensor input, long seed, int... ranks) {
    return ttm.factorize(input, ranks);
  }

  @Override
  protected DenseTensor sampleInput(long seed) {
    return DenseTensor.random(seed, 24, 30);
  }

  @Override
  protected int[] fullRanks(int[] shape) {
    int[][] f = ttm.factorsFor(shape[0], shape[1]);
    return TtMatrixSvd.fullRanks(f[0], f[1]);
  }

  @Override
  protected int[] truncatingRanks(int[] shape) {
    return new int[] {3, 2};
  }

  @Override
  protected int[] impossibleRanks(int[] shape) {
    return new int[] {3, 5};
  }

  @Override
  protected int offendingValue(int[] shape) {
    return 5;
  }

  @Override
  protected long closedFormParameterCount(int[] shape, int[] ranks) {
    int[][] f = ttm.factorsFor(shape[0], shape[1]);
    return TtMatrixSvd.parameterCount(f[0], f[1], ranks);
  }

  @Override
  protected List<DenseTensor> factors(TtMatrix f) {
    return f.cores();
  }

  @Test
  void balancedFactors() {
    assertArrayEquals(new int[] {16, 16, 16}, TtMatrixSvd.balancedFactors(4096, 3));
    assertArrayEquals(new int[] {8, 8, 8}, TtMatrixSvd.balancedFactors(512, 3));
    assertArrayEquals(new int[] {5, 2, 1}, TtMatrixSvd.balancedFactors(10, 3));
    assertArrayEquals(new int[] {4, 3, 2}, TtMatrixSvd.balancedFactors(24, 3));
    assertArrayEquals(new int[] {7}, TtMatrixSvd.balancedFactors(7, 1));
  }

  @Test
  void indexConventionMatchesDocumentation() {
    DenseTensor w = DenseTensor.random(2, 6, 12);
    TtMatrix t =
        TtMatrixSvd.builder()
            .optLinearAlgebra(LA)
            .optRowFactors(2, 3)
            .optColFactors(4, 3)
            .build()
            .factorize(w, 5);
    DenseTensor g1 = t.core(0);
    DenseTensor g2 = t.core(1);
    assertArrayEquals(new int[] {1, 2, 4, 5}, g1.shape());
    assertArrayEquals(new int[] {5, 3, 3, 1}, g2.shape());
    for (int i1 = 0; i1 < 2; i1++) {
      for (int i2 = 0; i2 < 3; i2++) {
        for (int j1 = 0; j1 < 4; j1++) {
          for (int j2 = 0; j2 < 3; j2++) {
            double s = 0;
            for (int a = 0; a < 5; a++) {
              s += g1.get(0, i1, j1, a) * g2.get(a, i2, j2, 0);
            }
            // full rank (5 = min(8, 9)... bond max is min(2*4, 3*3) = 8): compare with the
            // reconstruction
            assertEquals(t.reconstruct().get(i1 * 3 + i2, j1 * 3 + j2), s, 1e-12);
          }
        }
      }
    }
    TtMatrix full =
        TtMatrixSvd.builder()
            .optLinearAlgebra(LA)
            .optRowFactors(2, 3)
            .optColFactors(4, 3)
            .build()
            .factorize(w, 8);
    assertTrue(full.relativeError(w) < 1e-12);
  }

  @Test
  void plantedTtMatrixRanksRecovered() {
    int[] m = {4, 3, 2};
    int[] n = {2, 5, 3};
    int[] ranks = {3, 2};
    for (long seed = 1; seed <= 3; seed++) {
      List<DenseTensor> cores = new ArrayList<>();
      int[] bond = {1, 3, 2, 1};
      for (int k = 0; k < 3; k++) {
        cores.add(DenseTensor.random(seed * 7 + k, bond[k], m[k], n[k], bond[k + 1]));
      }
      DenseTensor w = new TtMatrix(cores).reconstruct();
      TtMatrix t =
          TtMatrixSvd.builder()
              .optLinearAlgebra(LA)
              .optRowFactors(m)
              .optColFactors(n)
              .build()
              .factorize(w, ranks);
      assertTrue(t.relativeError(w) < 1e-10, "seed " + seed + ": " + t.relativeError(w));
    }
  }

  @Test
  void maxRankCapsEveryBond() {
    DenseTensor w = DenseTensor.random(3, 24, 30);
    TtMatrix t = ttm.factorizeMaxRank(w, 6);
    assertArrayEquals(new int[] {6, 4}, t.ranks());
  }
}
