package org.lowrank.decomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * The contract every factorizer satisfies (EJML-style): full rank is exact, zero input is handled,
 * the input is never modified, impossible ranks are rejected with a clear message, the same seed
 * gives bit-identical factors, closed-form parameter counts match the factors. Subclasses supply
 * the cases.
 */
abstract class FactorizerContractTest<F extends FactorizedTensor> {
  protected static final LinearAlgebra LA = LinearAlgebra.openBlas(1);

  /** Runs the algorithm under test with this seed (algorithms without randomness ignore it). */
  protected abstract F factorize(DenseTensor input, long seed, int... ranks);

  /** A generic (full-rank) input. */
  protected abstract DenseTensor sampleInput(long seed);

  /** Ranks at which {@link #exactInput} is reproduced exactly. */
  protected abstract int[] fullRanks(int[] shape);

  /** Ranks that truncate. */
  protected abstract int[] truncatingRanks(int[] shape);

  /** Ranks outside the feasible range, and the offending value the message must name. */
  protected abstract int[] impossibleRanks(int[] shape);

  protected abstract int offendingValue(int[] shape);

  /** The format's closed-form parameter count for these ranks. */
  protected abstract long closedFormParameterCount(int[] shape, int[] ranks);

  /** The stored factor tensors of a result (what a deployed layer would hold). */
  protected abstract List<DenseTensor> factors(F f);

  /** The input the full-rank case must reproduce (default {@link #sampleInput}). */
  protected DenseTensor exactInput(long seed) {
    return sampleInput(seed);
  }

  protected double exactTolerance() {
    return 1e-10;
  }

  @Test
  void fullRankReproducesInput() {
    for (long seed = 1; seed <= 3; seed++) {
      DenseTensor x = exactInput(seed);
      F f = factorize(x, seed, fullRanks(x.shape()));
      assertArrayEquals(x.shape(), f.shape());
      double err = f.relativeError(x);
      assertTrue(err < exactTolerance(), "seed " + seed + ": full-rank relative error " + err);
    }
  }

  @Test
  void truncationKeepsShapeAndReducesParameters() {
    DenseTensor x = sampleInput(5);
    int[] ranks = truncatingRanks(x.shape());
    F f = factorize(x, 5, ranks);
    assertArrayEquals(x.shape(), f.reconstruct().shape());
    double err = f.relativeError(x);
    assertTrue(err > 0 && err < 1, "truncated relative error " + err);
  }

  @Test
  void zeroInputGivesZeroReconstruction() {
    DenseTensor zero = DenseTensor.zeros(sampleInput(1).shape());
    F f = factorize(zero, 1, truncatingRanks(zero.shape()));
    DenseTensor r = f.reconstruct();
    assertTrue(r.isFinite(), "non-finite factors for zero input");
    assertEquals(0.0, r.frobeniusNorm(), 0.0);
    assertEquals(0.0, f.relativeError(zero), 0.0);
  }

  @Test
  void inputIsNotModified() {
    DenseTensor x = sampleInput(7);
    double[] before = x.toArray();
    factorize(x, 7, truncatingRanks(x.shape()));
    assertArrayEquals(before, x.toArray(), 0.0);
  }

  @Test
  void impossibleRankIsRejectedWithClearMessage() {
    DenseTensor x = sampleInput(2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> factorize(x, 2, impossibleRanks(x.shape())));
    String msg = e.getMessage();
    assertTrue(msg.contains("got " + offendingValue(x.shape())), msg);
    assertTrue(msg.contains("1.."), "message names the feasible range: " + msg);
  }

  @Test
  void nonFiniteInputIsRejected() {
    double[] d = sampleInput(3).toArray();
    d[d.length / 2] = Double.NaN;
    DenseTensor bad = DenseTensor.of(d, sampleInput(3).shape());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> factorize(bad, 3, truncatingRanks(bad.shape())));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
  }

  @Test
  void sameSeedGivesBitIdenticalFactors() {
    DenseTensor x = sampleInput(11);
    F a = factorize(x, 42, truncatingRanks(x.shape()));
    F b = factorize(x, 42, truncatingRanks(x.shape()));
    assertEquals(factors(a), factors(b));
    assertEquals(a.reconstruct(), b.reconstruct());
  }

  @Test
  void parameterCountMatchesFactorsAndClosedForm() {
    DenseTensor x = sampleInput(13);
    for (int[] ranks : new int[][] {truncatingRanks(x.shape()), fullRanks(x.shape())}) {
      F f = factorize(x, 13, ranks);
      assertEquals(Planted.size(factors(f)), f.parameterCount(), "stored factor size");
      assertEquals(closedFormParameterCount(x.shape(), ranks), f.parameterCount(), "closed form");
    }
  }
}
