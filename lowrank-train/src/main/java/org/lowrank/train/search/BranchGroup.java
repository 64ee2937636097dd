package org.lowrank.train.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The trainable state of layers that share a shape, a branch layout and a candidate count: for L
 * layers with B candidate ranks each, N = L*B branches whose factors are zero-padded to the group's
 * largest rank r_max and stored batched, so one batched matmul rebuilds every branch. Zero padding is
 * exact and stays zero under SGD: every gradient entry of a padded row/column is a product with
 * another padded (zero) entry.
 *
 * <ul>
 *   <li>CHAIN (TT, Tucker-2): F1 [N, rows, r_max], F2 [N, r_max, mid*r_max], F3 [N, r_max, cols];
 *       What = (F1 F2) reshaped [N, rows*mid, r_max] times F3.
 *   <li>CP (CP3, SVD as CP with mid = 1): F1 = A [N, rows, r_max], F2 = B [N, mid, r_max], F3 = C
 *       [N, cols, r_max]; What = A (B kr C)^T.
 * </ul>
 * Logits [L, B] start at 0. All arrays live in the search's manager; {@link #close()} frees them.
 */
final class BranchGroup implements AutoCloseable {
  final LayerTarget.Form form;
  final List<LayerTarget> layers;
  final int[][] ranks;
  final int rows;
  final int mid;
  final int cols;
  final int count;
  final int branches;
  final int rmax;
  final NDArray f1;
  final NDArray f2;
  final NDArray f3;
  final NDArray logits;
  /** r / max(R_i) per branch, [L, B]. */
  final NDArray relativeRanks;
  /** T / ||W|| per layer, [L, rows*mid*cols]. */
  final NDArray target;
  final NDArray[] factorMomentum;
  final NDArray logitMomentum;

  /**
   * @param factors per layer and branch the initial factors from {@link LayerTarget#initialFactors}
   */
  BranchGroup(NDManager manager, List<LayerTarget> layers, int[][] ranks, double[][][][] factors) {
    this.layers = List.copyOf(layers);
    this.ranks = ranks;
    LayerTarget first = layers.get(0);
    this.form = first.form();
    this.rows = first.rows;
    this.mid = first.mid;
    this.cols = first.cols;
    this.count = layers.size();
    this.branches = ranks[0].length;
    int rm = 1;
    for (int[] rs : ranks) {
      for (int r : rs) {
        rm = Math.max(rm, r);
      }
    }
    this.rmax = rm;
    int n = count * branches;
    long m = (long) rows * mid * cols;
    float[] a1;
    float[] a2;
    float[] a3;
    Shape s1;
    Shape s2;
    Shape s3;
    if (form == LayerTarget.Form.CHAIN) {
      a1 = new float[n * rows * rmax];
      a2 = new float[n * rmax * mid * rmax];
      a3 = new float[n * rmax * cols];
      for (int l = 0; l < count; l++) {
        for (int b = 0; b < branches; b++) {
          int i = l * branches + b;
          int r = ranks[l][b];
          double[][] f = factors[l][b];
          padColumns(f[0], rows, r, a1, i * rows * rmax, rmax);
          for (int a = 0; a < r; a++) {
            for (int s = 0; s < mid; s++) {
              for (int c = 0; c < r; c++) {
                a2[i * rmax * mid * rmax + (a * mid + s) * rmax + c] = (float) f[1][(a * mid + s) * r + c];
              }
            }
          }
          for (int k = 0; k < r * cols; k++) {
            a3[i * rmax * cols + k] = (float) f[2][k];
          }
        }
      }
      s1 = new Shape(n, rows, rmax);
      s2 = new Shape(n, rmax, (long) mid * rmax);
      s3 = new Shape(n, rmax, cols);
    } else {
      a1 = new float[n * rows * rmax];
      a2 = new float[n * mid * rmax];
      a3 = new float[n * cols * rmax];
      for (int l = 0; l < count; l++) {
        for (int b = 0; b < branches; b++) {
          int i = l * branches + b;
          int r = ranks[l][b];
          double[][] f = factors[l][b];
          padColumns(f[0], rows, r, a1, i * rows * rmax, rmax);
          padColumns(f[1], mid, r, a2, i * mid * rmax, rmax);
          padColumns(f[2], cols, r, a3, i * cols * rmax, rmax);
        }
      }
      s1 = new Shape(n, rows, rmax);
      s2 = new Shape(n, mid, rmax);
      s3 = new Shape(n, cols, rmax);
    }
    this.f1 = param(manager, a1, s1);
    this.f2 = param(manager, a2, s2);
    this.f3 = param(manager, a3, s3);
    this.logits = param(manager, new float[n], new Shape(count, branches));
    float[] rel = new float[n];
    float[] tg = new float[(int) (count * m)];
    for (int l = 0; l < count; l++) {
      int max = 0;
      for (int r : ranks[l]) {
        max = Math.max(max, r);
      }
      for (int b = 0; b < branches; b++) {
        rel[l * branches + b] = (float) ranks[l][b] / max;
      }
      double[] t = layers.get(l).t;
      for (int k = 0; k < t.length; k++) {
        tg[(int) (l * m) + k] = (float) t[k];
      }
    }
    this.relativeRanks = manager.create(rel, new Shape(count, branches));
    this.target = manager.create(tg, new Shape(count, m));
    this.factorMomentum = new NDArray[] {
        manager.zeros(s1), manager.zeros(s2), manager.zeros(s3)};
    this.logitMomentum = manager.zeros(new Shape(count, branches));
  }

  private static NDArray param(NDManager manager, float[] data, Shape shape) {
    NDArray a = manager.create(data, shape);
    a.setRequiresGradient(true);
    return a;
  }

  private static void padColumns(double[] f, int n, int r, float[] out, int offset, int rmax) {
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < r; k++) {
        out[offset + i * rmax + k] = (float) f[i * r + k];
      }
    }
  }

  NDArray[] factors() {
    return new NDArray[] {f1, f2, f3};
  }

  /** Every branch rebuilt, [L, B, rows*mid*cols] (row-major T layout). */
  NDArray reconstruct(NDArray g1, NDArray g2, NDArray g3) {
    int n = count * branches;
    NDArray what;
    if (form == LayerTarget.Form.CHAIN) {
      NDArray x = g1.matMul(g2); // [N, rows, mid*rmax]
      what = x.reshape(n, (long) rows * mid, rmax).matMul(g3); // [N, rows*mid, cols]
    } else {
      NDArray kr = g2.expandDims(2).mul(g3.expandDims(1)); // [N, mid, cols, rmax]
      NDArray krt = kr.reshape(n, (long) mid * cols, rmax).transpose(0, 2, 1);
      what = g1.matMul(krt); // [N, rows, mid*cols]
    }
    return what.reshape(count, branches, (long) rows * mid * cols);
  }

  /** The mixture sum_r p_r What_r, [L, rows*mid*cols], for p [L, B]. */
  static NDArray mix(NDArray p, NDArray what) {
    return p.expandDims(1).matMul(what).squeeze(1);
  }

  /** Squared error per layer ||T_l - mix_l||^2, [L]. */
  NDArray squaredError(NDArray mixed) {
    return target.sub(mixed).square().sum(new int[] {1});
  }

  /** Squared error of every branch alone, [L, B]. */
  NDArray branchSquaredError(NDArray what) {
    return target.expandDims(1).sub(what).square().sum(new int[] {2});
  }

  @Override
  public void close() {
    for (NDArray a : new NDArray[] {f1, f2, f3, logits, relativeRanks, target, logitMomentum}) {
      a.close();
    }
    for (NDArray a : factorMomentum) {
      a.close();
    }
  }
}
