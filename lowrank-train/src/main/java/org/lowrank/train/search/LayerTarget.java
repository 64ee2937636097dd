package org.lowrank.train.search;

import java.util.Random;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.Svd;
import org.lowrank.plan.Choice;
import org.lowrank.plan.CostModel;
import org.lowrank.plan.LayerGeometry;
import org.lowrank.plan.Method;

/**
 * One searched layer prepared for the branches: the weight viewed as the 3-way tensor T [rows, mid,
 * cols] (conv: T[o,s,c] = W[o,c,s] with s the flattened kernel position; dense: mid = 1), scaled to
 * unit Frobenius norm so that every layer's squared error is a relative error, plus the
 * initial decompositions at any candidate rank (TT-SVD, Tucker-2 HOSVD, CP-ALS, truncated SVD), in
 * double precision. The SVDs of the unfoldings are computed once and shared by all ranks.
 */
final class LayerTarget {
  /** Branch layout: CHAIN = G1 [rows,r] G2 [r,mid,r] G3 [r,cols]; CP = A [rows,r] B [mid,r] C [cols,r]. */
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
  private Svd svdRows; // T as [rows, mid*cols]
  private Svd svdCols; // T as [cols, rows*mid]
  private Svd svdMid; // T as [mid, rows*cols]
  private double[] unfoldCols;
  private double[] unfoldMid;

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
      throw new IllegalArgumentException("layer '" + layer.name() + "': weight is "
          + (ss == 0 ? "all zeros" : "not finite") + "; exclude it from the search");
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
      throw new IllegalArgumentException("layer '" + layer.name() + "': no " + layer.method().cliName()
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
   * arrays f1, f2, f3 (CHAIN: [rows,r], [r,mid,r], [r,cols]; CP: [rows,r], [mid,r], [cols,r]).
   */
  double[][] initialFactors(int r, int cpIterations) {
    return switch (layer.method()) {
      case TT -> ttSvd(r);
      case TUCKER2 -> tucker2Hosvd(r);
      case CP -> cpAls(r, cpIterations);
      case SVD -> truncatedSvd(r);
      default -> throw new IllegalStateException("unsupported method " + layer.method());
    };
  }

  /** TT-SVD with ranks (r, r): two truncated SVDs. */
  private double[][] ttSvd(int r) {
    Svd s1 = svdRows();
    double[] g1 = leadingColumns(s1.u(), rows, s1.size(), r);
    // M = diag(s1[:r]) V1^T[:r] as [r*mid, cols]
    int n1 = mid * cols;
    double[] m = new double[r * n1];
    for (int a = 0; a < r; a++) {
      double sv = s1.singularValues()[a];
      for (int j = 0; j < n1; j++) {
        m[a * n1 + j] = sv * s1.vt()[a * n1 + j];
      }
    }
    Svd s2 = la.svd(m, r * mid, cols);
    double[] g2 = new double[r * mid * r];
    for (int i = 0; i < r * mid; i++) {
      for (int b = 0; b < r; b++) {
        g2[i * r + b] = s2.u()[i * s2.size() + b] * s2.singularValues()[b];
      }
    }
    double[] g3 = new double[r * cols];
    System.arraycopy(s2.vt(), 0, g3, 0, r * cols);
    return new double[][] {g1, g2, g3};
  }

  /** Tucker-2 by HOSVD: U_out, U_in from the two channel unfoldings, core = T x U_out^T x U_in^T. */
  private double[][] tucker2Hosvd(int r) {
    Svd so = svdRows();
    Svd si = svdCols();
    double[] uOut = leadingColumns(so.u(), rows, so.size(), r); // [rows, r]
    double[] uIn = leadingColumns(si.u(), cols, si.size(), r); // [cols, r]
    // X = U_out^T T  -> [r, mid*cols] = [r*mid, cols]; core = X U_in -> [r*mid, r]
    double[] x = la.multiply(true, false, r, mid * cols, rows, uOut, t);
    double[] core = la.multiply(x, uIn, r * mid, cols, r);
    double[] g3 = new double[r * cols];
    for (int c = 0; c < cols; c++) {
      for (int b = 0; b < r; b++) {
        g3[b * cols + c] = uIn[c * r + b];
      }
    }
    return new double[][] {uOut, core, g3};
  }

  /** Rank-r truncated SVD of the dense matrix [rows, cols] as a CP form with B = 1: A = U sqrt(s), C = V sqrt(s). */
  private double[][] truncatedSvd(int r) {
    Svd s = svdRows();
    double[] a = new double[rows * r];
    double[] b = new double[r];
    double[] c = new double[cols * r];
    for (int k = 0; k < r; k++) {
      double sq = Math.sqrt(s.singularValues()[k]);
      b[k] = 1;
      for (int i = 0; i < rows; i++) {
        a[i * r + k] = s.u()[i * s.size() + k] * sq;
      }
      for (int j = 0; j < cols; j++) {
        c[j * r + k] = s.vt()[k * cols + j] * sq;
      }
    }
    return new double[][] {a, b, c};
  }

  /**
   * CP-ALS of rank r on T [I=rows, J=mid, K=cols], initialized with the leading left singular
   * vectors of each unfolding (seeded Gaussian columns beyond the unfolding's rank). Each sweep
   * solves A = X_(0) (C kr B) (B^T B * C^T C)^-1 and likewise for B and C, with a 1e-12 ridge.
   * The scale is spread evenly over the three factors at the end.
   */
  private double[][] cpAls(int r, int iterations) {
    Random rnd = new Random(seed * 1_000_003L + index * 7919L + r);
    double[] a = initFactor(svdRows(), rows, r, rnd);
    double[] b = initFactor(svdMid(), mid, r, rnd);
    double[] c = initFactor(svdCols(), cols, r, rnd);
    double[] x1 = unfoldMid();
    double[] x2 = unfoldCols();
    for (int it = 0; it < iterations; it++) {
      a = alsUpdate(t, rows, b, mid, c, cols, r);
      normalizeColumns(a, rows, r);
      b = alsUpdate(x1, mid, a, rows, c, cols, r);
      normalizeColumns(b, mid, r);
      c = alsUpdate(x2, cols, a, rows, b, mid, r);
    }
    // spread the column scales of C evenly over A, B, C
    for (int k = 0; k < r; k++) {
      double lambda = 0;
      for (int i = 0; i < cols; i++) {
        lambda += c[i * r + k] * c[i * r + k];
      }
      lambda = Math.sqrt(lambda);
      double each = Math.cbrt(lambda);
      double cs = lambda > 0 ? each / lambda : 0;
      for (int i = 0; i < cols; i++) {
        c[i * r + k] *= cs;
      }
      for (int i = 0; i < rows; i++) {
        a[i * r + k] *= each;
      }
      for (int i = 0; i < mid; i++) {
        b[i * r + k] *= each;
      }
    }
    return new double[][] {a, b, c};
  }

  /**
   * One ALS update of the factor of a mode with unfolding X [n, p*q] whose column index is
   * (i_p * q + i_q) for the other factors P [p, r] and Q [q, r]: returns X (P kr Q) (P^T P * Q^T Q)^-1.
   */
  private double[] alsUpdate(double[] x, int n, double[] p, int np, double[] q, int nq, int r) {
    double[] kr = new double[np * nq * r];
    for (int i = 0; i < np; i++) {
      for (int j = 0; j < nq; j++) {
        int row = (i * nq + j) * r;
        for (int k = 0; k < r; k++) {
          kr[row + k] = p[i * r + k] * q[j * r + k];
        }
      }
    }
    // M^T = KR^T X^T : [r, n]
    double[] mt = la.multiply(true, true, r, n, np * nq, kr, x);
    double[] gp = la.gram(p, np, r, false);
    double[] gq = la.gram(q, nq, r, false);
    double trace = 0;
    for (int k = 0; k < r * r; k++) {
      gp[k] *= gq[k];
    }
    for (int k = 0; k < r; k++) {
      trace += gp[k * r + k];
    }
    double ridge = 1e-12 * Math.max(trace / r, Double.MIN_NORMAL);
    for (int k = 0; k < r; k++) {
      gp[k * r + k] += ridge;
    }
    double[] ft = la.solveSymmetric(gp, r, mt, n); // [r, n]
    double[] f = new double[n * r];
    for (int k = 0; k < r; k++) {
      for (int i = 0; i < n; i++) {
        f[i * r + k] = ft[k * n + i];
      }
    }
    return f;
  }

  private static void normalizeColumns(double[] f, int n, int r) {
    for (int k = 0; k < r; k++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += f[i * r + k] * f[i * r + k];
      }
      if (s > 0) {
        double inv = 1 / Math.sqrt(s);
        for (int i = 0; i < n; i++) {
          f[i * r + k] *= inv;
        }
      }
    }
  }

  private static double[] initFactor(Svd svd, int n, int r, Random rnd) {
    double[] f = new double[n * r];
    int have = Math.min(svd.size(), r);
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < have; k++) {
        f[i * r + k] = svd.u()[i * svd.size() + k];
      }
    }
    for (int k = have; k < r; k++) {
      for (int i = 0; i < n; i++) {
        f[i * r + k] = rnd.nextGaussian() / Math.sqrt(n);
      }
    }
    return f;
  }

  private static double[] leadingColumns(double[] u, int n, int k, int r) {
    double[] out = new double[n * r];
    for (int i = 0; i < n; i++) {
      System.arraycopy(u, i * k, out, i * r, r);
    }
    return out;
  }

  private Svd svdRows() {
    if (svdRows == null) {
      svdRows = la.svd(t, rows, mid * cols);
    }
    return svdRows;
  }

  private Svd svdCols() {
    if (svdCols == null) {
      svdCols = la.svd(unfoldCols(), cols, rows * mid);
    }
    return svdCols;
  }

  private Svd svdMid() {
    if (svdMid == null) {
      svdMid = la.svd(unfoldMid(), mid, rows * cols);
    }
    return svdMid;
  }

  /** X_(2) [cols, rows*mid], column index o*mid + s. */
  private double[] unfoldCols() {
    if (unfoldCols == null) {
      unfoldCols = new double[t.length];
      for (int o = 0; o < rows; o++) {
        for (int s = 0; s < mid; s++) {
          for (int c = 0; c < cols; c++) {
            unfoldCols[c * rows * mid + o * mid + s] = t[(o * mid + s) * cols + c];
          }
        }
      }
    }
    return unfoldCols;
  }

  /** X_(1) [mid, rows*cols], column index o*cols + c. */
  private double[] unfoldMid() {
    if (unfoldMid == null) {
      unfoldMid = new double[t.length];
      for (int o = 0; o < rows; o++) {
        for (int s = 0; s < mid; s++) {
          for (int c = 0; c < cols; c++) {
            unfoldMid[s * rows * cols + o * cols + c] = t[(o * mid + s) * cols + c];
          }
        }
      }
    }
    return unfoldMid;
  }
}
