package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

class TuckerTest extends FactorizerContractTest<TuckerTensor> {
  private static final int[] ALL = {0, 1, 2};

  private static Tucker tucker(Tucker.Method method, int... modes) {
    Tucker.Builder b = Tucker.builder().optLinearAlgebra(LA).optMethod(method);
    if (modes.length > 0) {
      b.optModes(modes);
    }
    return b.build();
  }

  @Override
  protected TuckerTensor factorize(DenseTensor input, long seed, int... ranks) {
    return tucker(Tucker.Method.HOOI).factorize(input, ranks);
  }

  @Override
  protected DenseTensor sampleInput(long seed) {
    return DenseTensor.random(seed, 5, 6, 7);
  }

  @Override
  protected int[] fullRanks(int[] shape) {
    return shape.clone();
  }

  @Override
  protected int[] truncatingRanks(int[] shape) {
    return new int[] {2, 3, 4};
  }

  @Override
  protected int[] impossibleRanks(int[] shape) {
    return new int[] {2, 7, 4};
  }

  @Override
  protected int offendingValue(int[] shape) {
    return 7;
  }

  @Override
  protected long closedFormParameterCount(int[] shape, int[] ranks) {
    return Tucker.parameterCount(shape, ALL, ranks);
  }

  @Override
  protected List<DenseTensor> factors(TuckerTensor f) {
    List<DenseTensor> all = new ArrayList<>(f.factors());
    all.add(f.core());
    return all;
  }

  @Test
  void plantedRanksRecoveredByHosvdAndHooi() {
    int[] shape = {9, 8, 7, 6};
    int[] ranks = {3, 4, 2, 5};
    int[] modes = {0, 1, 2, 3};
    for (Tucker.Method m : Tucker.Method.values()) {
      for (long seed = 1; seed <= 3; seed++) {
        DenseTensor x = Planted.tucker(seed, shape, modes, ranks);
        double err = tucker(m).factorize(x, ranks).relativeError(x);
        assertTrue(err < 1e-10, m + " seed " + seed + ": " + err);
      }
    }
  }

  @Test
  void partialTuckerKeepsUnfactoredModes() {
    int[] shape = {10, 7, 3, 4};
    int[] modes = {0, 2};
    int[] ranks = {4, 2};
    for (long seed = 1; seed <= 3; seed++) {
      DenseTensor x = Planted.tucker(seed, shape, modes, ranks);
      TuckerTensor t = tucker(Tucker.Method.HOSVD, modes).factorize(x, ranks);
      assertEquals(
          List.of(4, 7, 2, 4),
          List.of(t.coreShape()[0], t.coreShape()[1], t.coreShape()[2], t.coreShape()[3]));
      assertTrue(t.factor(1).isEmpty());
      assertTrue(t.relativeError(x) < 1e-10);
      assertEquals(Planted.size(factorsOf(t)), Tucker.parameterCount(shape, modes, ranks));
    }
  }

  private static List<DenseTensor> factorsOf(TuckerTensor t) {
    List<DenseTensor> all = new ArrayList<>(t.factors());
    all.add(t.core());
    return all;
  }

  @Test
  void hooiIsNoWorseThanHosvdAndErrorIdentityHolds() {
    DenseTensor x = DenseTensor.random(21, 8, 9, 10);
    TuckerTensor hosvd = tucker(Tucker.Method.HOSVD).factorize(x, 3, 3, 3);
    TuckerTensor hooi = tucker(Tucker.Method.HOOI).factorize(x, 3, 3, 3);
    assertTrue(hooi.relativeError(x) <= hosvd.relativeError(x) + 1e-12);
    // orthonormal factors: ||X - X^||^2 = ||X||^2 - ||G||^2
    double nx = x.frobeniusNorm();
    double ng = hooi.core().frobeniusNorm();
    assertEquals(Math.sqrt(nx * nx - ng * ng) / nx, hooi.relativeError(x), 1e-10);
  }
}
