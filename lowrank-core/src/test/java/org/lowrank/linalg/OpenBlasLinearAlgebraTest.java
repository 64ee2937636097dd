package org.lowrank.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OpenBlasLinearAlgebraTest {
  private final LinearAlgebra la = LinearAlgebra.openBlas(1);

  private static double[] random(long seed, int n) {
    Random r = new Random(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextGaussian();
    }
    return x;
  }

  /** Plain triple loop: op(A) op(B). */
  private static double[] naive(
      boolean ta, boolean tb, int m, int n, int k, double[] a, double[] b) {
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double av = ta ? a[p * m + i] : a[i * k + p];
          double bv = tb ? b[j * k + p] : b[p * n + j];
          s += av * bv;
        }
        c[i * n + j] = s;
      }
    }
    return c;
  }

  @Test
  void gemmMatchesNaiveForAllTransposes() {
    int m = 7, n = 5, k = 4;
    double[] a = random(1, m * k);
    double[] b = random(2, k * n);
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        assertArrayEquals(naive(ta, tb, m, n, k, a, b), la.multiply(ta, tb, m, n, k, a, b), 1e-12);
      }
    }
  }

  @Test
  void nativeOperandGemmMatchesArrayGemm() {
    int m = 6, n = 4, k = 5;
    double[] a = random(21, m * k);
    double[] b = random(22, k * n);
    try (NativeMatrix na = la.upload(a, m, k)) {
      assertArrayEquals(
          la.multiply(false, false, m, n, k, a, b), la.multiply(false, false, m, n, k, na, b), 0.0);
      // the same buffer read as its transpose-view k x m: op(A) = A^T is 5x6 -> product with 6x4
      double[] b2 = random(23, m * n);
      assertArrayEquals(
          la.multiply(true, false, k, n, m, a, b2), la.multiply(true, false, k, n, m, na, b2), 0.0);
    }
  }

  @Test
  void allNativeGemmMatchesArrayGemmAndReusesBuffers() {
    int m = 6, n = 4, k = 5;
    double[] a = random(31, m * k);
    try (NativeMatrix na = la.upload(a, m, k);
        NativeMatrix nb = la.allocate(k, n);
        NativeMatrix nc = la.allocate(m, n)) {
      assertArrayEquals(new double[m * n], nc.read(new double[m * n]), 0.0, "allocate zeroes");
      for (long seed = 32; seed < 35; seed++) {
        double[] b = random(seed, k * n);
        nb.write(b);
        la.gemm(false, false, m, n, k, 1.0, na, nb, 0.0, nc);
        assertArrayEquals(naive(false, false, m, n, k, a, b), nc.read(new double[m * n]), 1e-12);
      }
      // A read as its transpose-view, B as n x k transposed, C accumulated: C = 2 A^T B^T + C
      double[] b = random(35, m * n);
      try (NativeMatrix nbt = la.upload(b, n, m);
          NativeMatrix nc2 = la.allocate(k, n)) {
        double[] c0 = random(36, k * n);
        nc2.write(c0);
        la.gemm(true, true, k, n, m, 2.0, na, nbt, 1.0, nc2);
        double[] expected = naive(true, true, k, n, m, a, b);
        for (int i = 0; i < expected.length; i++) {
          expected[i] = 2 * expected[i] + c0[i];
        }
        assertArrayEquals(expected, nc2.read(new double[k * n]), 1e-12);
      }
      assertThrows(IllegalArgumentException.class, () -> nb.write(new double[3]));
      assertThrows(
          IllegalArgumentException.class,
          () -> la.gemm(false, false, m, n + 1, k, 1.0, na, nb, 0.0, nc));
    }
  }

  @Test
  void gramMatchesProduct() {
    double[] a = random(3, 6 * 9);
    assertArrayEquals(naive(false, true, 6, 6, 9, a, a), la.gram(a, 6, 9, true), 1e-12);
    assertArrayEquals(naive(true, false, 9, 9, 6, a, a), la.gram(a, 6, 9, false), 1e-12);
  }

  /** Sizes over one 32-wide tile of the mirroring: both triangles filled, exactly symmetric. */
  @Test
  void largeGramIsTheProductAndExactlySymmetric() {
    int m = 70;
    int n = 45;
    double[] a = random(4, m * n);
    for (boolean rows : new boolean[] {true, false}) {
      int size = rows ? m : n;
      double[] g = la.gram(a, m, n, rows);
      double[] want = rows ? naive(false, true, m, m, n, a, a) : naive(true, false, n, n, m, a, a);
      assertArrayEquals(want, g, 1e-10);
      for (int i = 0; i < size; i++) {
        for (int j = 0; j < i; j++) {
          assertEquals(g[j * size + i], g[i * size + j], 0.0, i + "," + j);
        }
      }
    }
  }

  private void checkSvd(int m, int n, long seed) {
    double[] a = random(seed, m * n);
    double[] copy = a.clone();
    Svd svd = la.svd(a, m, n);
    assertArrayEquals(copy, a, 0.0, "input modified");
    int k = Math.min(m, n);
    double[] us = svd.u().clone();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k; j++) {
        us[i * k + j] *= svd.singularValues()[j];
      }
    }
    assertArrayEquals(a, naive(false, false, m, n, k, us, svd.vt()), 1e-12);
    // orthonormal columns of U and rows of V^T
    double[] utu = naive(true, false, k, k, m, svd.u(), svd.u());
    double[] vvt = naive(false, true, k, k, n, svd.vt(), svd.vt());
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        assertEquals(i == j ? 1 : 0, utu[i * k + j], 1e-12);
        assertEquals(i == j ? 1 : 0, vvt[i * k + j], 1e-12);
      }
    }
    for (int i = 1; i < k; i++) {
      assertTrue(svd.singularValues()[i - 1] >= svd.singularValues()[i]);
    }
    assertArrayEquals(svd.singularValues(), la.singularValues(a, m, n), 1e-12);
  }

  @Test
  void svdReconstructsTallWideSquare() {
    checkSvd(9, 4, 4);
    checkSvd(4, 9, 5);
    checkSvd(6, 6, 6);
  }

  @Test
  void pivotedQrReconstructs() {
    for (int[] mn : new int[][] {{8, 5}, {5, 8}, {6, 6}}) {
      int m = mn[0], n = mn[1], k = Math.min(m, n);
      double[] a = random(7, m * n);
      PivotedQrDecomposition qr = la.pivotedQr(a, m, n);
      double[] qrp = naive(false, false, m, n, k, qr.q(), qr.r());
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          assertEquals(a[i * n + qr.permutation()[j]], qrp[i * n + j], 1e-12);
        }
      }
      for (int i = 1; i < k; i++) {
        assertTrue(Math.abs(qr.r()[(i - 1) * n + i - 1]) >= Math.abs(qr.r()[i * n + i]) - 1e-12);
        assertEquals(0.0, qr.r()[i * n + i - 1]);
      }
    }
  }

  @Test
  void symmetricEigenDescendingAndReconstructs() {
    int n = 6;
    double[] b = random(8, n * n);
    double[] a = naive(false, true, n, n, n, b, b);
    SymmetricEigen e = la.symmetricEigen(a, n);
    for (int i = 1; i < n; i++) {
      assertTrue(e.values()[i - 1] >= e.values()[i]);
    }
    double[] vw = e.vectors().clone();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        vw[i * n + j] *= e.values()[j];
      }
    }
    assertArrayEquals(a, naive(false, true, n, n, n, vw, e.vectors()), 1e-10);
  }

  @Test
  void partialEigenMatchesFull() {
    int n = 9;
    double[] b = random(12, n * n);
    double[] a = naive(false, true, n, n, n, b, b);
    SymmetricEigen full = la.symmetricEigen(a, n);
    SymmetricEigen top = la.symmetricEigen(a, n, 3);
    assertEquals(3, top.count());
    for (int j = 0; j < 3; j++) {
      assertEquals(full.values()[j], top.values()[j], 1e-10);
      double dot = 0;
      for (int i = 0; i < n; i++) {
        dot += full.vectors()[i * n + j] * top.vectors()[i * 3 + j];
      }
      assertEquals(1.0, Math.abs(dot), 1e-10);
    }
  }

  @Test
  void solvesGeneralAndSymmetric() {
    int n = 5;
    double[] b = random(9, n * n);
    double[] spd = naive(false, true, n, n, n, b, b);
    double[] x = random(10, n * 2);
    assertArrayEquals(x, la.solve(b, n, naive(false, false, n, 2, n, b, x), 2), 1e-10);
    assertArrayEquals(x, la.solveSymmetric(spd, n, naive(false, false, n, 2, n, spd, x), 2), 1e-9);
    assertThrows(LinearAlgebraException.class, () -> la.solve(new double[n * n], n, x, 2));
  }

  @Test
  void solvesSymmetricFromTheRight() {
    int n = 5;
    double[] b = random(9, n * n);
    double[] spd = naive(false, true, n, n, n, b, b);
    double[] x = random(11, 3 * n); // 3 x n
    double[] spdCopy = spd.clone();
    assertArrayEquals(
        x, la.solveSymmetricRight(spd, n, naive(false, false, 3, n, n, x, spd), 3), 1e-9);
    assertArrayEquals(spdCopy, spd, 0, "A is not modified");
    // symmetric but indefinite: the Cholesky fails, LU solves it
    double[] indefinite = b.clone();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        indefinite[i * n + j] = b[i * n + j] + b[j * n + i];
      }
    }
    assertArrayEquals(
        x,
        la.solveSymmetricRight(indefinite, n, naive(false, false, 3, n, n, x, indefinite), 3),
        1e-9);
    assertThrows(
        LinearAlgebraException.class, () -> la.solveSymmetricRight(new double[n * n], n, x, 3));
  }

  @Test
  void rejectsWrongSizesAndNonFinite() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> la.svd(new double[5], 2, 3));
    assertTrue(e.getMessage().contains("expected 6"), e.getMessage());
    double[] nan = {1, Double.NaN, 3, 4};
    assertThrows(LinearAlgebraException.class, () -> la.svd(nan, 2, 2));
    assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.openBlas(0));
  }
}
