package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

class TensorTrainSvdTest extends FactorizerContractTest<TensorTrain> {
  private final TensorTrainSvd tt = TensorTrainSvd.create(LA, false);

  @Override
  protected TensorTrain factorize(DenseTensor input, long seed, int... ranks) {
    return tt.factorize(input, ranks);
  }

  @Override
  protected DenseTensor sampleInput(long seed) {
    return DenseTensor.random(seed, 4, 5, 6, 3);
  }

  @Override
  protected int[] fullRanks(int[] shape) {
    return TensorTrainSvd.fullRanks(shape);
  }

  @Override
  protected int[] truncatingRanks(int[] shape) {
    return new int[] {2, 3, 2};
  }

  @Override
  protected int[] impossibleRanks(int[] shape) {
    return new int[] {2, 11, 2};
  }

  @Override
  protected int offendingValue(int[] shape) {
    return 11;
  }

  @Override
  protected long closedFormParameterCount(int[] shape, int[] ranks) {
    return TensorTrainSvd.parameterCount(shape, ranks);
  }

  @Override
  protected List<DenseTensor> factors(TensorTrain f) {
    return f.cores();
  }

  @Test
  void plantedTtRanksRecoveredWithGramAndExactSvd() {
    int[] shape = {5, 6, 7, 4, 3};
    int[] ranks = {3, 4, 3, 2};
    for (boolean exact : new boolean[] {false, true}) {
      for (long seed = 1; seed <= 3; seed++) {
        DenseTensor x = Planted.tt(seed, shape, ranks);
        TensorTrain t = TensorTrainSvd.create(LA, exact).factorize(x, ranks);
        assertArrayEquals(ranks, t.ranks());
        assertTrue(
            t.relativeError(x) < 1e-10,
            "exact=" + exact + " seed " + seed + ": " + t.relativeError(x));
      }
    }
  }

  @Test
  void toleranceFindsPlantedRanksAndMeetsTheBound() {
    int[] shape = {6, 5, 7, 4};
    int[] ranks = {3, 4, 2};
    DenseTensor x = Planted.tt(4, shape, ranks);
    TensorTrain t = tt.factorizeWithTolerance(x, 1e-6, 100);
    assertArrayEquals(ranks, t.ranks());
    assertArrayEquals(ranks, tt.factorizeWithTolerance(x, 1e-9, 100).ranks());
    DenseTensor g = DenseTensor.random(5, 6, 5, 7, 4);
    for (double tol : new double[] {0.1, 0.3, 0.6}) {
      TensorTrain a = tt.factorizeWithTolerance(g, tol, 100);
      assertTrue(a.relativeError(g) <= tol, tol + " -> " + a.relativeError(g));
    }
  }
}
