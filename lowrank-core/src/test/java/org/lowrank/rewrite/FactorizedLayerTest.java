package org.lowrank.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.TensorValue;

/** Shapes, parameter counts and reconstructions of the factorized-layer specs. */
class FactorizedLayerTest {

  static TensorValue random(Random rnd, long... dims) {
    float[] f = new float[(int) TensorValue.elementCount(dims)];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) rnd.nextGaussian();
    }
    return TensorValue.ofFloats(dims, f);
  }

  static void assertClose(TensorValue a, TensorValue b, double tol) {
    assertArrayEquals(a.dims(), b.dims());
    for (int i = 0; i < a.elementCount(); i++) {
      assertEquals(a.floatAt(i), b.floatAt(i), tol, "element " + i);
    }
  }

  @Test
  void tucker2ReconstructsByDefinition() {
    Random rnd = new Random(1);
    TensorValue uo = random(rnd, 4, 2);
    TensorValue core = random(rnd, 2, 3, 3, 2);
    TensorValue ui = random(rnd, 5, 3);
    Tucker2Conv t = new Tucker2Conv(uo, core, ui);
    TensorValue w = t.reconstruct();
    assertArrayEquals(new long[] {4, 5, 3, 2}, w.dims());
    // W[o,i,s] = sum_{a,b} U_out[o,a] G[a,b,s] U_in[i,b], checked at one element
    int o = 3, i = 4, s = 5;
    double expect = 0;
    for (int a = 0; a < 2; a++) {
      for (int b = 0; b < 3; b++) {
        expect += uo.floatAt(o * 2 + a) * core.floatAt((a * 3 + b) * 6 + s) * ui.floatAt(i * 3 + b);
      }
    }
    assertEquals(expect, w.floatAt((o * 5 + i) * 6 + s), 1e-5);
    assertEquals(4 * 2 + 2 * 3 * 6 + 5 * 3, t.parameterCount());
    assertArrayEquals(new long[] {2, 3}, t.ranks());
  }

  @Test
  void ttIsTucker2WithMovedAxes() {
    Random rnd = new Random(2);
    TtConv tt = new TtConv(random(rnd, 4, 2), random(rnd, 2, 3, 3, 2), random(rnd, 2, 5));
    assertArrayEquals(new long[] {3, 3}, tt.kernel());
    assertClose(tt.reconstruct(), tt.asTucker2().reconstruct(), 0);
    assertEquals(4 * 2 + 2 * 9 * 2 + 2 * 5, tt.parameterCount());
  }

  @Test
  void separableCpEqualsCp3WithKroneckerSpatialFactor() {
    Random rnd = new Random(3);
    TensorValue a = random(rnd, 4, 3);
    TensorValue c = random(rnd, 5, 3);
    CpConv sep =
        CpConv.separable(a, List.of(random(rnd, 3, 3), random(rnd, 2, 3)), c)
            .withWeights(new float[] {2f, -1f, 0.5f});
    CpConv cp3 = CpConv.cp3(a, sep.fullSpatialFactor(), c, 3, 2).withWeights(sep.weights());
    assertClose(sep.reconstruct(), cp3.reconstruct(), 1e-5);
    assertEquals(3 * (4 + 5 + 3 + 2), sep.parameterCount());
    assertEquals(3 * (4 + 5 + 6), cp3.parameterCount());
    assertTrue(sep.isSeparable());
  }

  @Test
  void lowRankAndTtMatrixReconstruct() {
    Random rnd = new Random(4);
    LowRankDense lr = LowRankDense.of(random(rnd, 6, 2), random(rnd, 2, 12));
    assertArrayEquals(new long[] {6, 12}, lr.reconstruct().dims());
    // TT-matrix with d = 1 is the matrix itself
    TensorValue g = random(rnd, 1, 3, 4, 1);
    TtMatrixDense one = new TtMatrixDense(List.of(g));
    assertClose(g.reshape(new long[] {3, 4}), one.reconstruct(), 0);
    // d = 2, rank 1: W = kron(A, B)
    TensorValue a = random(rnd, 1, 2, 3, 1);
    TensorValue b = random(rnd, 1, 3, 2, 1);
    TensorValue w = new TtMatrixDense(List.of(a, b)).reconstruct();
    assertArrayEquals(new long[] {6, 6}, w.dims());
    for (int o1 = 0; o1 < 2; o1++) {
      for (int o2 = 0; o2 < 3; o2++) {
        for (int i1 = 0; i1 < 3; i1++) {
          for (int i2 = 0; i2 < 2; i2++) {
            float expect = a.floatAt(o1 * 3 + i1) * b.floatAt(o2 * 2 + i2);
            assertEquals(expect, w.floatAt((o1 * 3 + o2) * 6 + i1 * 2 + i2), 1e-6);
          }
        }
      }
    }
  }

  @Test
  void inconsistentFactorsAreRejectedWithShapes() {
    Random rnd = new Random(5);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Tucker2Conv(random(rnd, 4, 2), random(rnd, 3, 3, 3, 3), random(rnd, 5, 3)));
    assertTrue(e.getMessage().contains("[4, 2]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new TtMatrixDense(List.of(random(rnd, 1, 2, 2, 3), random(rnd, 2, 2, 2, 1))));
    assertThrows(
        IllegalArgumentException.class,
        () -> CpConv.cp3(random(rnd, 4, 3), random(rnd, 8, 3), random(rnd, 5, 3), 3, 3));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LowRankDense("SVD!", random(rnd, 4, 2), random(rnd, 2, 3)));
  }
}
