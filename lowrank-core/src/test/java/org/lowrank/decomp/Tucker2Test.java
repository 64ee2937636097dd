package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

class Tucker2Test extends FactorizerContractTest<TuckerTensor> {
  private final Tucker2 t2 = Tucker2.create(Tucker.Method.HOOI, LA);

  @Override
  protected TuckerTensor factorize(DenseTensor input, long seed, int... ranks) {
    return t2.factorize(input, ranks);
  }

  @Override
  protected DenseTensor sampleInput(long seed) {
    return DenseTensor.random(seed, 8, 6, 3, 3);
  }

  @Override
  protected int[] fullRanks(int[] shape) {
    return new int[] {shape[0], shape[1]};
  }

  @Override
  protected int[] truncatingRanks(int[] shape) {
    return new int[] {3, 4};
  }

  @Override
  protected int[] impossibleRanks(int[] shape) {
    return new int[] {9, 2};
  }

  @Override
  protected int offendingValue(int[] shape) {
    return 9;
  }

  @Override
  protected long closedFormParameterCount(int[] shape, int[] ranks) {
    return Tucker2.parameterCount(shape[0], shape[1], shape[2] * shape[3], ranks[0], ranks[1]);
  }

  @Override
  protected List<DenseTensor> factors(TuckerTensor f) {
    List<DenseTensor> all = new ArrayList<>(f.factors());
    all.add(f.core());
    return all;
  }

  @Test
  void conv1d2d3dKernelsPlantedRecovered() {
    int[][] shapes = {{12, 10, 5}, {12, 10, 3, 3}, {12, 10, 3, 3, 3}};
    for (Tucker.Method m : Tucker.Method.values()) {
      for (int[] shape : shapes) {
        for (long seed = 1; seed <= 2; seed++) {
          DenseTensor w = Planted.tucker(seed, shape, new int[] {0, 1}, new int[] {4, 3});
          TuckerTensor t = Tucker2.create(m, LA).factorize(w, 4, 3);
          int[] core = shape.clone();
          core[0] = 4;
          core[1] = 3;
          assertArrayEquals(core, t.coreShape());
          assertTrue(
              t.relativeError(w) < 1e-10,
              m + " " + java.util.Arrays.toString(shape) + ": " + t.relativeError(w));
        }
      }
    }
  }
}
