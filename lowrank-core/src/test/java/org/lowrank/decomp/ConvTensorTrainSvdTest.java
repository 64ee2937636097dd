package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

class ConvTensorTrainSvdTest extends FactorizerContractTest<ConvTensorTrain> {
  private final ConvTensorTrainSvd tt = ConvTensorTrainSvd.create(LA, false);

  @Override
  protected ConvTensorTrain factorize(DenseTensor input, long seed, int... ranks) {
    return tt.factorize(input, ranks);
  }

  @Override
  protected DenseTensor sampleInput(long seed) {
    return DenseTensor.random(seed, 8, 6, 3, 3);
  }

  @Override
  protected int[] fullRanks(int[] shape) {
    return ConvTensorTrainSvd.fullRanks(shape[0], shape[1], shape[2] * shape[3]);
  }

  @Override
  protected int[] truncatingRanks(int[] shape) {
    return new int[] {3, 3};
  }

  @Override
  protected int[] impossibleRanks(int[] shape) {
    return new int[] {9, 3};
  }

  @Override
  protected int offendingValue(int[] shape) {
    return 9;
  }

  @Override
  protected long closedFormParameterCount(int[] shape, int[] ranks) {
    return ConvTensorTrainSvd.parameterCount(
        shape[0], shape[1], shape[2] * shape[3], ranks[0], ranks[1]);
  }

  @Override
  protected List<DenseTensor> factors(ConvTensorTrain f) {
    return List.of(f.outputFactor(), f.core(), f.inputFactor());
  }

  /** A kernel whose 3-way view has TT ranks (r1, r2). */
  private static DenseTensor planted(long seed, int cout, int cin, int[] spatial, int r1, int r2) {
    int k = (int) Checks.product(spatial);
    DenseTensor t = Planted.tt(seed, new int[] {cout, k, cin}, new int[] {r1, r2});
    return ConvKernels.fromThreeWay(t, spatial);
  }

  @Test
  void plantedRanksRecoveredFor1d2d3dSeparateAndTied() {
    int[][] spatials = {{5}, {3, 3}, {3, 3, 3}};
    for (int[] spatial : spatials) {
      for (long seed = 1; seed <= 3; seed++) {
        DenseTensor w = planted(seed, 10, 12, spatial, 4, 3);
        ConvTensorTrain f = tt.factorize(w, 4, 3);
        assertTrue(
            f.relativeError(w) < 1e-10,
            java.util.Arrays.toString(spatial) + ": " + f.relativeError(w));
        DenseTensor tied = planted(seed, 10, 12, spatial, 4, 4);
        assertTrue(tt.factorize(tied, 4).relativeError(tied) < 1e-10);
        assertArrayEquals(new int[] {4, 4}, tt.factorize(tied, 4).ranks());
      }
    }
  }

  @Test
  void convChainWeightsFollowTheDocumentedLayout() {
    DenseTensor w = DenseTensor.random(3, 5, 4, 3, 2);
    ConvTensorTrain f = tt.factorize(w, 3, 2);
    DenseTensor g1 = f.outputKernel();
    DenseTensor g2 = f.coreKernel();
    DenseTensor g3 = f.inputKernel();
    assertArrayEquals(new int[] {5, 3, 1, 1}, g1.shape());
    assertArrayEquals(new int[] {3, 2, 3, 2}, g2.shape());
    assertArrayEquals(new int[] {2, 4, 1, 1}, g3.shape());
    DenseTensor rec = f.reconstruct();
    // W[t, c, y, x] = sum_{a, b} G1[t, a] G2[a, b, y, x] G3[b, c]
    for (int t = 0; t < 5; t++) {
      for (int c = 0; c < 4; c++) {
        for (int y = 0; y < 3; y++) {
          for (int x = 0; x < 2; x++) {
            double s = 0;
            for (int a = 0; a < 3; a++) {
              for (int b = 0; b < 2; b++) {
                s += g1.get(t, a, 0, 0) * g2.get(a, b, y, x) * g3.get(b, c, 0, 0);
              }
            }
            assertEquals(rec.get(t, c, y, x), s, 1e-12);
          }
        }
      }
    }
  }

  @Test
  void threeWayViewRoundTrips() {
    DenseTensor w = DenseTensor.random(1, 4, 3, 2, 5);
    DenseTensor t = ConvKernels.threeWay(w);
    assertArrayEquals(new int[] {4, 10, 3}, t.shape());
    assertEquals(w.get(2, 1, 1, 3), t.get(2, 1 * 5 + 3, 1), 0.0);
    assertEquals(w, ConvKernels.fromThreeWay(t, 2, 5));
  }
}
