package org.lowrank.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.lowrank.graph.TensorValue;
import org.lowrank.rewrite.CpConv;
import org.lowrank.rewrite.LowRankDense;
import org.lowrank.rewrite.TtConv;
import org.lowrank.rewrite.TtMatrixDense;
import org.lowrank.rewrite.Tucker2Conv;

/**
 * Factor tensors for rewrite tests, independent of the decomposition algorithms: exact full-rank
 * factorizations built by hand (random orthogonal bases, identity-carrying cores) and random
 * reduced-rank factors.
 */
final class TestFactors {
  private TestFactors() {}

  /** A random n x n orthogonal matrix (Gram-Schmidt on Gaussian columns), as double[n][n]. */
  static double[][] orthogonal(int n, Random rnd) {
    double[][] q = new double[n][n];
    for (int j = 0; j < n; j++) {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = rnd.nextGaussian();
      }
      for (int pass = 0; pass < 2; pass++) {
        for (int p = 0; p < j; p++) {
          double dot = 0;
          for (int i = 0; i < n; i++) {
            dot += v[i] * q[i][p];
          }
          for (int i = 0; i < n; i++) {
            v[i] -= dot * q[i][p];
          }
        }
      }
      double norm = 0;
      for (double x : v) {
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < n; i++) {
        q[i][j] = v[i] / norm;
      }
    }
    return q;
  }

  static TensorValue matrix(double[][] m) {
    int rows = m.length;
    int cols = m[0].length;
    float[] f = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        f[i * cols + j] = (float) m[i][j];
      }
    }
    return TensorValue.ofFloats(new long[] {rows, cols}, f);
  }

  /**
   * Exact Tucker-2 with orthogonal U_out [Cout, Cout], U_in [Cin, Cin]: G = U_out^T x1 W x2 U_in.
   */
  static Tucker2Conv tucker2Exact(TensorValue w, Random rnd) {
    long[] dims = w.dims();
    int cout = (int) dims[0];
    int cin = (int) dims[1];
    int kk = (int) (w.elementCount() / cout / cin);
    double[][] uo = orthogonal(cout, rnd);
    double[][] ui = orthogonal(cin, rnd);
    float[] wd = w.toFloatArray();
    // t[a, i, s] = sum_o U_out[o, a] W[o, i, s]; core[a, b, s] = sum_i t[a, i, s] U_in[i, b]
    double[] t = new double[cout * cin * kk];
    for (int o = 0; o < cout; o++) {
      for (int a = 0; a < cout; a++) {
        double u = uo[o][a];
        for (int x = 0; x < cin * kk; x++) {
          t[a * cin * kk + x] += u * wd[o * cin * kk + x];
        }
      }
    }
    float[] core = new float[cout * cin * kk];
    for (int a = 0; a < cout; a++) {
      for (int b = 0; b < cin; b++) {
        for (int s = 0; s < kk; s++) {
          double acc = 0;
          for (int i = 0; i < cin; i++) {
            acc += t[(a * cin + i) * kk + s] * ui[i][b];
          }
          core[(a * cin + b) * kk + s] = (float) acc;
        }
      }
    }
    return new Tucker2Conv(matrix(uo), TensorValue.ofFloats(dims, core), matrix(ui));
  }

  /** Exact 3-core TT: G1 = U_out, G2 = core with axes (a, s, b), G3 = U_in^T. */
  static TtConv ttExact(TensorValue w, Random rnd) {
    Tucker2Conv t = tucker2Exact(w, rnd);
    return new TtConv(t.outFactor(), coreToMiddle(t.core()), transpose(t.inFactor()));
  }

  /** [a, b, k..] -> [a, k.., b]. */
  static TensorValue coreToMiddle(TensorValue core) {
    long[] d = core.dims();
    int a = (int) d[0];
    int b = (int) d[1];
    int kk = (int) (core.elementCount() / a / b);
    float[] src = core.toFloatArray();
    float[] dst = new float[src.length];
    for (int x = 0; x < a; x++) {
      for (int y = 0; y < b; y++) {
        for (int s = 0; s < kk; s++) {
          dst[(x * kk + s) * b + y] = src[(x * b + y) * kk + s];
        }
      }
    }
    long[] nd = new long[d.length];
    nd[0] = a;
    System.arraycopy(d, 2, nd, 1, d.length - 2);
    nd[d.length - 1] = b;
    return TensorValue.ofFloats(nd, dst);
  }

  static TensorValue transpose(TensorValue m) {
    int r = (int) m.dim(0);
    int c = (int) m.dim(1);
    float[] s = m.toFloatArray();
    float[] t = new float[s.length];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        t[j * r + i] = s[i * c + j];
      }
    }
    return TensorValue.ofFloats(new long[] {c, r}, t);
  }

  /**
   * Exact CP of rank R = Cin*K: component (i, s) has A[:, (i,s)] = W[:, i, s] / lambda, C = e_i, B
   * = e_s (or per-axis unit vectors when separable), with random positive weights lambda.
   */
  static CpConv cpExact(TensorValue w, boolean separable, Random rnd) {
    long[] dims = w.dims();
    int cout = (int) dims[0];
    int cin = (int) dims[1];
    long[] kernel = Arrays.copyOfRange(dims, 2, dims.length);
    int kk = (int) (w.elementCount() / cout / cin);
    int r = cin * kk;
    float[] lambda = new float[r];
    for (int q = 0; q < r; q++) {
      lambda[q] = 0.5f + rnd.nextFloat();
    }
    float[] wd = w.toFloatArray();
    float[] a = new float[cout * r];
    float[] c = new float[cin * r];
    float[] b = new float[kk * r];
    for (int i = 0; i < cin; i++) {
      for (int s = 0; s < kk; s++) {
        int q = i * kk + s;
        for (int o = 0; o < cout; o++) {
          a[o * r + q] = wd[(o * cin + i) * kk + s] / lambda[q];
        }
        c[i * r + q] = 1f;
        b[s * r + q] = 1f;
      }
    }
    TensorValue at = TensorValue.ofFloats(new long[] {cout, r}, a);
    TensorValue ct = TensorValue.ofFloats(new long[] {cin, r}, c);
    if (!separable) {
      return CpConv.cp3(at, TensorValue.ofFloats(new long[] {kk, r}, b), ct, kernel)
          .withWeights(lambda);
    }
    List<TensorValue> axes = new ArrayList<>();
    long stride = kk;
    for (int j = 0; j < kernel.length; j++) {
      int kj = (int) kernel[j];
      stride /= kj;
      float[] bj = new float[kj * r];
      for (int q = 0; q < r; q++) {
        int s = q % kk;
        int sj = (int) ((s / stride) % kj);
        bj[sj * r + q] = 1f;
      }
      axes.add(TensorValue.ofFloats(new long[] {kj, r}, bj));
    }
    return CpConv.separable(at, axes, ct).withWeights(lambda);
  }

  /** Exact rank-in factorization W = (W Q)(Q^T) of W [out, in]. */
  static LowRankDense lowRankExact(TensorValue w, Random rnd) {
    int in = (int) w.dim(1);
    TensorValue q = matrix(orthogonal(in, rnd));
    return new LowRankDense("svd", multiply(w, q), transpose(q));
  }

  static TensorValue multiply(TensorValue a, TensorValue b) {
    int m = (int) a.dim(0);
    int k = (int) a.dim(1);
    int n = (int) b.dim(1);
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    float[] z = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = 0;
        for (int p = 0; p < k; p++) {
          acc += (double) x[i * k + p] * y[p * n + j];
        }
        z[i * n + j] = (float) acc;
      }
    }
    return TensorValue.ofFloats(new long[] {m, n}, z);
  }

  /**
   * Exact TT-matrix of W [out, in] with the given modes: G_1 holds W with rank index (P, Q) = the
   * remaining (out, in) multi-indices; later cores carry them with Kronecker deltas.
   */
  static TtMatrixDense ttMatrixExact(TensorValue w, long[] outModes, long[] inModes) {
    int d = outModes.length;
    long out = w.dim(0);
    long in = w.dim(1);
    float[] wd = w.toFloatArray();
    List<TensorValue> cores = new ArrayList<>();
    long oRest = out / outModes[0];
    long iRest = in / inModes[0];
    int o1 = (int) outModes[0];
    int i1 = (int) inModes[0];
    int r1 = (int) (oRest * iRest);
    float[] g1 = new float[o1 * i1 * r1];
    for (int o = 0; o < o1; o++) {
      for (int i = 0; i < i1; i++) {
        for (long p = 0; p < oRest; p++) {
          for (long q = 0; q < iRest; q++) {
            g1[(int) ((o * i1 + i) * r1 + p * iRest + q)] =
                wd[(int) ((o * oRest + p) * in + i * iRest + q)];
          }
        }
      }
    }
    cores.add(TensorValue.ofFloats(new long[] {1, o1, i1, r1}, g1));
    for (int k = 1; k < d; k++) {
      int ok = (int) outModes[k];
      int ik = (int) inModes[k];
      long oNext = oRest / ok;
      long iNext = iRest / ik;
      int rPrev = (int) (oRest * iRest);
      int rNext = (int) (oNext * iNext);
      float[] g = new float[rPrev * ok * ik * rNext];
      for (int o = 0; o < ok; o++) {
        for (int i = 0; i < ik; i++) {
          for (long p = 0; p < oNext; p++) {
            for (long q = 0; q < iNext; q++) {
              long a = (o * oNext + p) * iRest + (i * iNext + q);
              long b = p * iNext + q;
              g[(int) (((a * ok + o) * ik + i) * rNext + b)] = 1f;
            }
          }
        }
      }
      cores.add(TensorValue.ofFloats(new long[] {rPrev, ok, ik, rNext}, g));
      oRest = oNext;
      iRest = iNext;
    }
    return new TtMatrixDense(cores);
  }

  static TensorValue random(Random rnd, long... dims) {
    return SyntheticModels.random(rnd, dims);
  }
}
