package org.lowrank.train.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable state of layers that share a shape, a branch layout and a candidate count (L
 * layers, B candidate ranks each): the branch factors, the logits [L, B] (init 0) and their
 * momentum, the targets T/||W|| [L, M] (M = rows*mid*cols) and r / max(R_i) per branch. Factors are
 * stored batched so that one batched matmul rebuilds the mixtures of all L layers; unused (padding)
 * entries are zero and stay zero under SGD, since every gradient entry of a padded row or column is
 * a product with another zero entry. All arrays live in the search's manager; {@link #close()}
 * frees them.
 */
abstract class BranchGroup implements AutoCloseable {
  final List<LayerTarget> layers;
  final int[][] ranks;
  final int rows;
  final int mid;
  final int cols;
  final int count;
  final int branches;
  final NDArray logits;
  final NDArray logitMomentum;

  /** r / max(R_i) per branch, [L, B]. */
  final NDArray relativeRanks;

  /** T / ||W|| per layer, [L, M]. */
  final NDArray target;

  private final List<NDArray> owned = new ArrayList<>();

  BranchGroup(NDManager manager, List<LayerTarget> layers, int[][] ranks) {
    this.layers = List.copyOf(layers);
    this.ranks = ranks;
    LayerTarget first = layers.get(0);
    this.rows = first.rows;
    this.mid = first.mid;
    this.cols = first.cols;
    this.count = layers.size();
    this.branches = ranks[0].length;
    int m = rows * mid * cols;
    float[] rel = new float[count * branches];
    float[] tg = new float[count * m];
    for (int l = 0; l < count; l++) {
      int max = 0;
      for (int r : ranks[l]) {
        max = Math.max(max, r);
      }
      for (int b = 0; b < branches; b++) {
        rel[l * branches + b] = (float) ranks[l][b] / max;
      }
      double[] t = layers.get(l).t;
      for (int k = 0; k < m; k++) {
        tg[l * m + k] = (float) t[k];
      }
    }
    this.logits = param(manager, new float[count * branches], new Shape(count, branches));
    this.logitMomentum = own(manager.zeros(new Shape(count, branches)));
    this.relativeRanks = own(manager.create(rel, new Shape(count, branches)));
    this.target = own(manager.create(tg, new Shape(count, m)));
  }

  /** A group in the layout of the layers' form. */
  static BranchGroup create(
      NDManager manager,
      List<LayerTarget> layers,
      int[][] ranks,
      LayerTarget.InitialBranch[][] init) {
    return layers.get(0).form() == LayerTarget.Form.CHAIN
        ? new Chain(manager, layers, ranks, init)
        : new Concatenated(manager, layers, ranks, init);
  }

  /** The trainable factor arrays. */
  abstract NDArray[] factors();

  /** Momentum buffers aligned with {@link #factors()}. */
  abstract NDArray[] factorMomentum();

  /**
   * The mixed weights sum_r p_r What_r of every layer, [L, M] in the row-major T layout.
   *
   * @param p probabilities [L, B]
   * @param detachFactors true to stop gradients into the factors
   */
  abstract NDArray mixed(NDArray p, boolean detachFactors);

  /** Squared error per layer ||T_l - mixed_l||^2, [L]. */
  NDArray squaredError(NDArray mixed) {
    return target.sub(mixed).square().sum(new int[] {1});
  }

  final NDArray param(NDManager manager, float[] data, Shape shape) {
    NDArray a = own(manager.create(data, shape));
    a.setRequiresGradient(true);
    return a;
  }

  final NDArray own(NDArray a) {
    owned.add(a);
    return a;
  }

  @Override
  public void close() {
    for (NDArray a : owned) {
      a.close();
    }
  }

  static NDArray detach(NDArray a, boolean detach) {
    return detach ? a.stopGradient() : a;
  }

  /**
   * TT / Tucker-2 branches G1 [rows, r] G2 [r, mid, r] G3 [r, cols], zero-padded to the group's
   * largest rank r_max and batched over N = L*B branches: F1 [N, rows, r_max], F2 [N, r_max,
   * mid*r_max], F3 [N, r_max, cols]. What = (F1 F2) as [N, rows*mid, r_max] times F3, then the
   * mixture p [L, 1, B] x What [L, B, M]. About 2 N r_max (rows*mid*r_max + rows*mid*cols) flops.
   */
  static final class Chain extends BranchGroup {
    private final int rmax;
    private final NDArray[] factors;
    private final NDArray[] momentum;

    Chain(
        NDManager manager,
        List<LayerTarget> layers,
        int[][] ranks,
        LayerTarget.InitialBranch[][] init) {
      super(manager, layers, ranks);
      int rm = 1;
      for (int[] rs : ranks) {
        for (int r : rs) {
          rm = Math.max(rm, r);
        }
      }
      this.rmax = rm;
      int n = count * branches;
      float[] a1 = new float[n * rows * rmax];
      float[] a2 = new float[n * rmax * mid * rmax];
      float[] a3 = new float[n * rmax * cols];
      for (int l = 0; l < count; l++) {
        for (int b = 0; b < branches; b++) {
          int i = l * branches + b;
          int r = ranks[l][b];
          double[][] f = init[l][b].factors();
          for (int o = 0; o < rows; o++) {
            for (int k = 0; k < r; k++) {
              a1[(i * rows + o) * rmax + k] = (float) f[0][o * r + k];
            }
          }
          for (int a = 0; a < r; a++) {
            for (int s = 0; s < mid; s++) {
              for (int c = 0; c < r; c++) {
                a2[i * rmax * mid * rmax + (a * mid + s) * rmax + c] =
                    (float) f[1][(a * mid + s) * r + c];
              }
            }
          }
          for (int k = 0; k < r * cols; k++) {
            a3[i * rmax * cols + k] = (float) f[2][k];
          }
        }
      }
      Shape s1 = new Shape(n, rows, rmax);
      Shape s2 = new Shape(n, rmax, (long) mid * rmax);
      Shape s3 = new Shape(n, rmax, cols);
      factors =
          new NDArray[] {param(manager, a1, s1), param(manager, a2, s2), param(manager, a3, s3)};
      momentum =
          new NDArray[] {own(manager.zeros(s1)), own(manager.zeros(s2)), own(manager.zeros(s3))};
    }

    @Override
    NDArray[] factors() {
      return factors.clone();
    }

    @Override
    NDArray[] factorMomentum() {
      return momentum.clone();
    }

    @Override
    NDArray mixed(NDArray p, boolean detachFactors) {
      int n = count * branches;
      NDArray x = detach(factors[0], detachFactors).matMul(detach(factors[1], detachFactors));
      NDArray what =
          x.reshape(n, (long) rows * mid, rmax)
              .matMul(detach(factors[2], detachFactors))
              .reshape(count, branches, (long) rows * mid * cols);
      return p.expandDims(1).matMul(what).squeeze(1);
    }
  }

  /**
   * CP3 branches A [rows, r] B [mid, r] C [cols, r] (and SVD as CP with mid = 1, B = 1). A sum of
   * CP tensors is one CP tensor, so each layer's branches are stored side by side, unpadded: A [L,
   * rows, S], B [L, mid, S], C [L, cols, S] with S = max_l sum_b r_lb, and a constant one-hot map
   * [L, B, S] from columns to branches. The mixture is (A * p_col) (B kr C)^T with p_col = p x map:
   * about 2 L S rows*mid*cols flops, no per-branch tensor and no padding to the largest rank.
   */
  static final class Concatenated extends BranchGroup {
    private final int width;
    private final NDArray[] factors;
    private final NDArray[] momentum;
    private final NDArray columnMap;

    Concatenated(
        NDManager manager,
        List<LayerTarget> layers,
        int[][] ranks,
        LayerTarget.InitialBranch[][] init) {
      super(manager, layers, ranks);
      int w = 1;
      for (int[] rs : ranks) {
        int s = 0;
        for (int r : rs) {
          s += r;
        }
        w = Math.max(w, s);
      }
      this.width = w;
      float[] a1 = new float[count * rows * width];
      float[] a2 = new float[count * mid * width];
      float[] a3 = new float[count * cols * width];
      float[] map = new float[count * branches * width];
      for (int l = 0; l < count; l++) {
        int offset = 0;
        for (int b = 0; b < branches; b++) {
          int r = ranks[l][b];
          double[][] f = init[l][b].factors();
          place(f[0], rows, r, a1, l, offset);
          place(f[1], mid, r, a2, l, offset);
          place(f[2], cols, r, a3, l, offset);
          for (int k = 0; k < r; k++) {
            map[(l * branches + b) * width + offset + k] = 1;
          }
          offset += r;
        }
      }
      Shape s1 = new Shape(count, rows, width);
      Shape s2 = new Shape(count, mid, width);
      Shape s3 = new Shape(count, cols, width);
      factors =
          new NDArray[] {param(manager, a1, s1), param(manager, a2, s2), param(manager, a3, s3)};
      momentum =
          new NDArray[] {own(manager.zeros(s1)), own(manager.zeros(s2)), own(manager.zeros(s3))};
      columnMap = own(manager.create(map, new Shape(count, branches, width)));
    }

    private void place(double[] f, int n, int r, float[] out, int layer, int offset) {
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < r; k++) {
          out[(layer * n + i) * width + offset + k] = (float) f[i * r + k];
        }
      }
    }

    @Override
    NDArray[] factors() {
      return factors.clone();
    }

    @Override
    NDArray[] factorMomentum() {
      return momentum.clone();
    }

    @Override
    NDArray mixed(NDArray p, boolean detachFactors) {
      NDArray pcol = p.expandDims(1).matMul(columnMap); // [L, 1, S]
      NDArray a = detach(factors[0], detachFactors).mul(pcol); // [L, rows, S]
      NDArray kr =
          detach(factors[1], detachFactors)
              .expandDims(2)
              .mul(detach(factors[2], detachFactors).expandDims(1)); // [L, mid, cols, S]
      NDArray krt = kr.reshape(count, (long) mid * cols, width).transpose(0, 2, 1);
      return a.matMul(krt).reshape(count, (long) rows * mid * cols);
    }
  }
}
