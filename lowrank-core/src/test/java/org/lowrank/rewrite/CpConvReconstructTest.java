package org.lowrank.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.TensorValue;

/**
 * {@link CpConv#reconstruct} is bit for bit the plain triple loop W[o, i, s] = sum_q (a[o, q] c[i,
 * q]) b[s, q] summed in double over q in order (the energy selector's CP scores go through it, so a
 * faster loop order must not move a single bit).
 */
class CpConvReconstructTest {
  private static TensorValue random(long seed, int rows, int r) {
    Random g = new Random(seed);
    float[] f = new float[rows * r];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) g.nextGaussian();
    }
    return TensorValue.ofFloats(new long[] {rows, r}, f);
  }

  /** The reference: o, i, q, s loops, as the reconstruction was first written. */
  private static double[] plain(CpConv cp) {
    int cout = (int) cp.outFactor().dim(0);
    int cin = (int) cp.inFactor().dim(0);
    int r = (int) cp.rank();
    float[] a = cp.weightedOutFactor().toFloatArray();
    float[] b = cp.fullSpatialFactor().toFloatArray();
    float[] c = cp.inFactor().toFloatArray();
    int kk = b.length / r;
    double[] w = new double[cout * cin * kk];
    double[] acc = new double[kk];
    for (int o = 0; o < cout; o++) {
      for (int i = 0; i < cin; i++) {
        java.util.Arrays.fill(acc, 0);
        for (int q = 0; q < r; q++) {
          double ac = (double) a[o * r + q] * c[i * r + q];
          for (int s = 0; s < kk; s++) {
            acc[s] += ac * b[s * r + q];
          }
        }
        for (int s = 0; s < kk; s++) {
          w[(o * cin + i) * kk + s] = acc[s];
        }
      }
    }
    return w;
  }

  private static void check(CpConv cp) {
    double[] want = plain(cp);
    assertArrayEquals(want, cp.sums(), 0.0);
    float[] w = cp.reconstruct().toFloatArray();
    for (int j = 0; j < w.length; j++) {
      assertEquals((float) want[j], w[j], 0f);
    }
  }

  @Test
  void cp3IsBitForBitThePlainLoop() {
    int[][] cases = {{16, 12, 9, 40}, {24, 7, 7, 33}, {5, 9, 25, 130}};
    for (int[] k : cases) {
      long[] kernel =
          k[2] == 9 ? new long[] {3, 3} : k[2] == 7 ? new long[] {1, 7} : new long[] {5, 5};
      CpConv cp =
          CpConv.cp3(random(1, k[0], k[3]), random(2, k[2], k[3]), random(3, k[1], k[3]), kernel);
      check(cp);
    }
  }

  @Test
  void separableWithWeightsIsBitForBitThePlainLoop() {
    int r = 21;
    CpConv cp =
        new CpConv(
            random(4, 10, r),
            List.of(random(5, 3, r), random(6, 5, r)),
            random(7, 6, r),
            new long[] {3, 5},
            random(8, 1, r).toFloatArray());
    check(cp);
  }
}
