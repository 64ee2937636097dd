package org.lowrank.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DenseTensorTest {

  private static DenseTensor arange(int... shape) {
    double[] d = new double[DenseTensor.sizeOf(shape)];
    for (int i = 0; i < d.length; i++) {
      d[i] = i + 1;
    }
    return DenseTensor.of(d, shape);
  }

  @Test
  void factoriesCopyAndAccessorsCopy() {
    double[] d = {1, 2, 3, 4, 5, 6};
    DenseTensor t = DenseTensor.of(d, 2, 3);
    d[0] = 99;
    assertEquals(1, t.get(0, 0));
    t.toArray()[1] = 99;
    assertEquals(2, t.get(0, 1));
    int[] s = t.shape();
    s[0] = 7;
    assertEquals(2, t.dim(0));
    assertEquals(6, t.get(1, 2));
    assertThrows(IllegalArgumentException.class, () -> DenseTensor.of(d, 4, 2));
  }

  @Test
  void floatRoundTripAndRandomSeeded() {
    DenseTensor f = DenseTensor.fromFloats(new float[] {1.5f, -2f}, 2);
    assertArrayEquals(new float[] {1.5f, -2f}, f.toFloats());
    assertEquals(DenseTensor.random(42, 3, 4), DenseTensor.random(42, 3, 4));
    assertNotSame(DenseTensor.random(42, 3, 4), DenseTensor.random(43, 3, 4));
  }

  @Test
  void permuteMovesModes() {
    DenseTensor x = arange(2, 3, 4);
    DenseTensor y = x.permute(2, 0, 1);
    assertArrayEquals(new int[] {4, 2, 3}, y.shape());
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          assertEquals(x.get(i, j, k), y.get(k, i, j));
        }
      }
    }
    assertEquals(x, y.permute(1, 2, 0));
  }

  @Test
  void unfoldFollowsKoldaBader() {
    // Kolda & Bader (2009) example: X in R^{3x4x2}, X(i,j,k) = i + 3 j + 12 k + 1 (first index
    // fastest).
    double[] d = new double[24];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        for (int k = 0; k < 2; k++) {
          d[(i * 4 + j) * 2 + k] = i + 3 * j + 12 * k + 1;
        }
      }
    }
    DenseTensor x = DenseTensor.of(d, 3, 4, 2);
    DenseTensor x1 = x.unfold(0);
    assertArrayEquals(new int[] {3, 8}, x1.shape());
    assertArrayEquals(new double[] {1, 4, 7, 10, 13, 16, 19, 22}, row(x1, 0));
    DenseTensor x2 = x.unfold(1);
    assertArrayEquals(new double[] {1, 2, 3, 13, 14, 15}, row(x2, 0));
    DenseTensor x3 = x.unfold(2);
    assertEquals(12, x3.get(0, 11));
    assertEquals(13, x3.get(1, 0));
    for (int mode = 0; mode < 3; mode++) {
      assertEquals(x, DenseTensor.fold(x.unfold(mode), mode, 3, 4, 2));
    }
  }

  private static double[] row(DenseTensor m, int i) {
    double[] r = new double[m.dim(1)];
    for (int j = 0; j < r.length; j++) {
      r[j] = m.get(i, j);
    }
    return r;
  }

  @Test
  void modeProductMatchesUnfoldingIdentity() {
    DenseTensor x = DenseTensor.random(1, 3, 4, 5, 2);
    for (int mode = 0; mode < 4; mode++) {
      DenseTensor m = DenseTensor.random(2 + mode, 6, x.dim(mode));
      DenseTensor y = x.modeProduct(m, mode);
      // Y_(n) = M X_(n)
      DenseTensor expected = m.matmul(x.unfold(mode));
      assertEquals(0, DenseTensor.relativeError(expected, y.unfold(mode)), 1e-14);
    }
  }

  @Test
  void khatriRaoAndCpUnfolding() {
    DenseTensor a = DenseTensor.random(1, 3, 2);
    DenseTensor b = DenseTensor.random(2, 4, 2);
    DenseTensor c = DenseTensor.random(3, 5, 2);
    DenseTensor kr = DenseTensor.khatriRao(a, b);
    assertEquals(a.get(2, 1) * b.get(3, 1), kr.get(2 * 4 + 3, 1), 0);
    // CP tensor X = sum_r a_r o b_r o c_r; X_(0) = A (C ⊙ B)^T in Kolda-Bader ordering.
    double[] d = new double[60];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        for (int k = 0; k < 5; k++) {
          for (int r = 0; r < 2; r++) {
            d[(i * 4 + j) * 5 + k] += a.get(i, r) * b.get(j, r) * c.get(k, r);
          }
        }
      }
    }
    DenseTensor x = DenseTensor.of(d, 3, 4, 5);
    DenseTensor x0 = a.matmul(DenseTensor.khatriRao(c, b).transpose());
    assertEquals(0, DenseTensor.relativeError(x.unfold(0), x0), 1e-14);
    DenseTensor x1 = b.matmul(DenseTensor.khatriRao(c, a).transpose());
    assertEquals(0, DenseTensor.relativeError(x.unfold(1), x1), 1e-14);
  }

  @Test
  void normsAndErrors() {
    DenseTensor x = DenseTensor.of(new double[] {3, 4}, 2);
    assertEquals(5, x.frobeniusNorm(), 1e-15);
    assertEquals(0.2, DenseTensor.relativeError(x, DenseTensor.of(new double[] {3, 5}, 2)), 1e-15);
    assertEquals(0, DenseTensor.relativeError(DenseTensor.zeros(2), DenseTensor.zeros(2)));
    assertEquals(Double.POSITIVE_INFINITY, DenseTensor.relativeError(DenseTensor.zeros(2), x));
    assertEquals(
        1e-300 * Math.sqrt(2),
        DenseTensor.of(new double[] {1e-300, 1e-300}, 2).frobeniusNorm(),
        1e-310);
  }

  @Test
  void reshapeChecksSize() {
    DenseTensor x = arange(2, 6);
    assertEquals(x.get(1, 2), x.reshape(3, 4).get(2, 0));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> x.reshape(5, 2));
    assertEquals(true, e.getMessage().contains("[5, 2]"));
  }
}
