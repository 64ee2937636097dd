package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.tensor.DenseTensor;

class PivotedQrTest extends FactorizerContractTest<LowRankMatrix> {
  private final PivotedQr qr = PivotedQr.create(LA);

  @Override
  protected LowRankMatrix factorize(DenseTensor input, long seed, int... ranks) {
    return qr.factorize(input, ranks);
  }

  @Override
  protected DenseTensor sampleInput(long seed) {
    return DenseTensor.random(seed, 16, 28);
  }

  @Override
  protected int[] fullRanks(int[] shape) {
    return new int[] {Math.min(shape[0], shape[1])};
  }

  @Override
  protected int[] truncatingRanks(int[] shape) {
    return new int[] {6};
  }

  @Override
  protected int[] impossibleRanks(int[] shape) {
    return new int[] {0};
  }

  @Override
  protected int offendingValue(int[] shape) {
    return 0;
  }

  @Override
  protected long closedFormParameterCount(int[] shape, int[] ranks) {
    return PivotedQr.parameterCount(shape[0], shape[1], ranks[0]);
  }

  @Override
  protected List<DenseTensor> factors(LowRankMatrix f) {
    return List.of(f.left(), f.right());
  }

  @Test
  void plantedRankRecoveredAndNoBetterThanSvd() {
    for (long seed = 1; seed <= 4; seed++) {
      DenseTensor w = Planted.matrix(seed, 30, 22, 5);
      assertTrue(qr.factorize(w, 5).relativeError(w) < 1e-10);
      DenseTensor g = DenseTensor.random(seed, 30, 22);
      double qrErr = qr.factorize(g, 8).relativeError(g);
      double svdErr = TruncatedSvd.create().factorize(g, 8).relativeError(g);
      assertTrue(qrErr >= svdErr - 1e-12 && qrErr < 2 * svdErr, qrErr + " vs svd " + svdErr);
    }
  }
}
