package org.lowrank.train.search;

import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.decomp.ConvTensorTrain;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.decomp.CpAls;
import org.lowrank.decomp.CpTensor;
import org.lowrank.decomp.LowRankMatrix;
import org.lowrank.decomp.TruncatedSvd;
import org.lowrank.decomp.Tucker;
import org.lowrank.decomp.Tucker2;
import org.lowrank.decomp.TuckerTensor;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * One searched layer prepared for the branches: the weight viewed as the 3-way tensor T [rows, mid,
 * cols] (conv: T[o,s,c] = W[o,c,s] with s the flattened kernel position; dense: mid = 1), scaled to
 * unit Frobenius norm so that every layer's squared error is a relative error, plus the initial
 * decompositions at any candidate rank (org.lowrank.decomp, double precision).
 */
final class LayerTarget {
  /**
   * Branch layout: CHAIN = G1 [rows,r] G2 [r,mid,r] G3 [r,cols]; CP = A [rows,r] B [mid,r] C
   * [cols,r].
   */
  enum Form {
    CHAIN,
    CP
  }

  final SearchLayer layer;
  final int index;
  final int rows;
  final int mid;
  final int cols;

  /** ||W||_F. */
  final double norm;

  /** T / ||W||_F, row-major [rows, mid, cols]. */
  final double[] t;

  /** The largest rank that fits the method and strictly lowers the layer's params and MACs. */
  final int feasibleMax;

  private final LinearAlgebra la;
  private final long seed;
  private DenseTensor kernel;

  LayerTarget(SearchLayer layer, int index, LinearAlgebra la, long seed) {
    this.layer = layer;
    this.index = index;
    this.rows = layer.rows();
    this.mid = layer.mid();
    this.cols = layer.cols();
    this.la = la;
    this.seed = seed;
    float[] w = layer.weight().toFloatArray();
    double ss = 0;
    for (float v : w) {
      ss += (double) v * v;
    }
    if (!(ss > 0) || Double.isInfinite(ss)) {
      throw new IllegalArgumentException(
          "layer '"
              + layer.name()
              + "': weight is "
              + (ss == 0 ? "all zeros" : "not finite")
              + "; exclude it from the search");
    }
    this.norm = Math.sqrt(ss);
    this.t = new double[w.length];
    for (int o = 0; o < rows; o++) {
      for (int c = 0; c < cols; c++) {
        for (int s = 0; s < mid; s++) {
          t[(o * mid + s) * cols + c] = w[(o * cols + c) * mid + s] / norm;
        }
      }
    }
    this.feasibleMax = feasibleMax(layer.geometry(), layer.method());
    if (feasibleMax < 1) {
      throw new IllegalArgumentException(
          "layer '"
              + layer.name()
              + "': no "
              + layer.method().cliName()
              + " rank lowers its parameters and MACs; exclude it from the search");
    }
  }

  Form form() {
    return layer.method() == Method.TT || layer.method() == Method.TUCKER2 ? Form.CHAIN : Form.CP;
  }

  /** The plan choice of rank r (tied r1 = r2 = r for TT and Tucker-2). */
  Choice choice(int r) {
    return choiceOf(layer.method(), r);
  }

  static Choice choiceOf(Method method, int r) {
    return method.rankCount() == 2 ? Choice.of(method, r, r) : Choice.of(method, r);
  }

  /** Largest rank <= CostModel.maxRanks that strictly lowers params and MACs, or 0. */
  static int feasibleMax(LayerGeometry g, Method method) {
    int[] max = CostModel.maxRanks(g, method);
    int r = Integer.MAX_VALUE;
    for (int m : max) {
      r = Math.min(r, m);
    }
    while (r >= 1 && !CostModel.reducesCost(g, choiceOf(method, r))) {
      r--;
    }
    return r;
  }

  /**
   * Initial factors of the branch of rank r, in the layout of {@link #form()}: three row-major
   * arrays f1, f2, f3 (CHAIN: [rows,r], [r,mid,r], [r,cols]; CP: [rows,r], [mid,r], [cols,r]), from
   * the decompositions the factorize stage uses: TT-SVD ({@link ConvTensorTrainSvd}), Tucker-2 HOOI
   * ({@link Tucker2}), CP-ALS of T ({@link CpAls}, at most {@code cpIterations} sweeps, tolerance
   * 1e-6) and the truncated SVD ({@link TruncatedSvd}, balanced split).
   */
  InitialBranch initialBranch(int r, int cpIterations) {
    switch (layer.method()) {
      case TT -> {
        ConvTensorTrain tt = ConvTensorTrainSvd.create(la, false).factorize(kernel(), r);
        return new InitialBranch(
            r,
            new double[][] {
              tt.outputFactor().toArray(), tt.core().toArray(), tt.inputFactor().toArray()
            },
            DenseTensor.relativeError(kernel(), tt.reconstruct()));
      }
      case TUCKER2 -> {
        TuckerTensor tk = Tucker2.create(Tucker.Method.HOOI, la).factorize(kernel(), r, r);
        // G[a, b, s] -> G2[a, s, b]; U_in [cols, r] -> G3 = U_in^T
        double[] g = tk.core().toArray();
        double[] g2 = new double[r * mid * r];
        for (int a = 0; a < r; a++) {
          for (int b = 0; b < r; b++) {
            for (int s = 0; s < mid; s++) {
              g2[(a * mid + s) * r + b] = g[(a * r + b) * mid + s];
            }
          }
        }
        return new InitialBranch(
            r,
            new double[][] {
              tk.factor(0).orElseThrow().toArray(),
              g2,
              tk.factor(1).orElseThrow().transpose().toArray()
            },
            DenseTensor.relativeError(kernel(), tk.reconstruct()));
      }
      case CP -> {
        CpAls als =
            CpAls.builder()
                .optLinearAlgebra(la)
                .optSeed(seed)
                .optTolerance(1e-6)
                .optMaxIterations(cpIterations)
                .build();
        DenseTensor three = DenseTensor.of(t, rows, mid, cols);
        CpTensor cp = als.fit(three, r).tensor();
        return new InitialBranch(
            r, balancedCp(cp, r), DenseTensor.relativeError(three, cp.reconstruct()));
      }
      case SVD -> {
        DenseTensor w = DenseTensor.of(t, rows, cols);
        LowRankMatrix lr = TruncatedSvd.builder().optLinearAlgebra(la).build().factorize(w, r);
        double[] ones = new double[r];
        java.util.Arrays.fill(ones, 1);
        return new InitialBranch(
            r,
            new double[][] {lr.left().toArray(), ones, lr.right().transpose().toArray()},
            DenseTensor.relativeError(w, lr.reconstruct()));
      }
      default -> throw new IllegalStateException("unsupported method " + layer.method());
    }
  }

  /**
   * A branch's initial factors and the relative error ||T - That||_F / ||T||_F of that
   * decomposition (computed in double precision).
   */
  record InitialBranch(int rank, double[][] factors, double relativeError) {}

  /** CP factors with lambda spread evenly: column r of each factor scaled by lambda_r^(1/3). */
  private static double[][] balancedCp(CpTensor cp, int r) {
    double[][] out = new double[3][];
    double[] lambda = cp.weights();
    for (int k = 0; k < 3; k++) {
      double[] f = cp.factor(k).toArray();
      int n = f.length / r;
      for (int q = 0; q < r; q++) {
        double c = Math.cbrt(lambda[q]);
        for (int i = 0; i < n; i++) {
          f[i * r + q] *= c;
        }
      }
      out[k] = f;
    }
    return out;
  }

  /** The normalized kernel W / ||W|| [C_out, C_in, k...]. */
  private DenseTensor kernel() {
    if (kernel == null) {
      long[] d = layer.weight().dims();
      int[] dims = new int[d.length];
      for (int i = 0; i < d.length; i++) {
        dims[i] = (int) d[i];
      }
      kernel = DenseTensor.fromFloats(layer.weight().toFloatArray(), dims).scale(1 / norm);
    }
    return kernel;
  }
}
