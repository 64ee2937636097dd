package org.lowrank.decomp;

import java.util.Arrays;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.NativeMatrix;

/**
 * The matricized-tensor times Khatri-Rao product of CP-ALS, M_n = X_(n) (⊙_{k != n} A_k) (I_n x R),
 * by the two partial products of a one-level dimension tree (Phan, Tichavský &amp; Cichocki 2013,
 * "Fast alternating LS algorithms for high order CANDECOMP/PARAFAC tensor factorizations"). The
 * modes are split into a head 0..p-1 and a tail p..N-1 (p minimizing H + T, H = prod_{k &lt; p}
 * I_k, T = prod_{k >= p} I_k), and X is viewed as the H x T matrix X_h:
 *
 * <ul>
 *   <li>head partial P_h = X_h KR(A_p..A_{N-1}) (H x R, one GEMM of 2 H T R flops), formed when
 *       mode 0 is requested; M_n for n &lt; p contracts P_h, viewed as [I_0..I_{p-1}, R], with the
 *       other head factors;
 *   <li>tail partial P_t = X_h^T KR(A_0..A_{p-1}) (T x R, one GEMM), formed when mode p is
 *       requested, so it sees the head factors updated in this sweep; M_n for n >= p contracts P_t
 *       likewise.
 * </ul>
 *
 * <p>A sweep costs two GEMMs (4 R prod_k I_k flops, against 2 N R prod_k I_k for one GEMM per mode)
 * plus O((H + T) R) per mode. No intermediate exceeds max(H, T) R elements: the Khatri-Rao products
 * are of one group only, never of N-1 modes. X, both Khatri-Rao operands and both partials live in
 * native buffers allocated once and reused across sweeps; close the instance to free them.
 *
 * <p>The partial of a group is recomputed when its first mode is requested (or when it is stale),
 * which is exact for the ALS order 0, 1, ..., N-1 with each factor updated right after its own
 * MTTKRP.
 */
final class CpMttkrp implements AutoCloseable {
  private final LinearAlgebra la;
  private final int[] shape;
  private final int rank;
  private final int split;
  private final int headSize;
  private final int tailSize;
  private final NativeMatrix x;
  private final NativeMatrix headKhatriRao;
  private final NativeMatrix tailKhatriRao;
  private final NativeMatrix headPartialNative;
  private final NativeMatrix tailPartialNative;
  private double[] headPartial;
  private final double[] tailPartial;
  private final double[] headKhatriRaoWork;
  private final double[] tailKhatriRaoWork;
  private boolean headValid;
  private boolean tailValid;
  private boolean headPreset;

  /**
   * Uploads the row-major tensor {@code data} of the given shape (order >= 2) and allocates the
   * work buffers for rank {@code rank}. {@code data} is not modified.
   */
  CpMttkrp(LinearAlgebra la, double[] data, int[] shape, int rank) {
    if (shape.length < 2) {
      throw new IllegalArgumentException(
          "MTTKRP needs a tensor of order >= 2, got " + shape.length);
    }
    this.la = la;
    this.shape = shape.clone();
    this.rank = rank;
    this.split = bestSplit(shape);
    this.headSize = Math.toIntExact(Checks.product(Arrays.copyOfRange(shape, 0, split)));
    this.tailSize = Math.toIntExact(Checks.product(Arrays.copyOfRange(shape, split, shape.length)));
    this.headPartial = new double[Math.multiplyExact(headSize, rank)];
    this.tailPartial = new double[Math.multiplyExact(tailSize, rank)];
    this.headKhatriRaoWork = new double[headPartial.length];
    this.tailKhatriRaoWork = new double[tailPartial.length];
    NativeMatrix[] buffers = new NativeMatrix[5];
    try {
      buffers[0] = la.upload(data, headSize, tailSize);
      buffers[1] = la.allocate(headSize, rank);
      buffers[2] = la.allocate(tailSize, rank);
      buffers[3] = la.allocate(headSize, rank);
      buffers[4] = la.allocate(tailSize, rank);
    } catch (RuntimeException | Error e) {
      for (NativeMatrix b : buffers) {
        if (b != null) {
          b.close();
        }
      }
      throw e;
    }
    this.x = buffers[0];
    this.headKhatriRao = buffers[1];
    this.tailKhatriRao = buffers[2];
    this.headPartialNative = buffers[3];
    this.tailPartialNative = buffers[4];
  }

  /** The head length p in 1..N-1 minimizing prod_{k &lt; p} I_k + prod_{k >= p} I_k. */
  static int bestSplit(int[] shape) {
    int best = 1;
    double bestCost = Double.POSITIVE_INFINITY;
    for (int p = 1; p < shape.length; p++) {
      double head = 1;
      double tail = 1;
      for (int k = 0; k < shape.length; k++) {
        if (k < p) {
          head *= shape[k];
        } else {
          tail *= shape[k];
        }
      }
      if (head + tail < bestCost) {
        bestCost = head + tail;
        best = p;
      }
    }
    return best;
  }

  /**
   * M_n = X_(n) (⊙_{k != n} A_k), I_n x R row-major, from the current factors {@code a} (a[k] is
   * I_k x R row-major; not modified).
   */
  double[] compute(double[][] a, int n) {
    if (n < 0 || n >= shape.length) {
      throw new IllegalArgumentException("mode " + n + " outside 0.." + (shape.length - 1));
    }
    if (n < split) {
      if (n == 0 && headPreset) {
        headValid = true;
        tailValid = false;
      } else if (n == 0 || !headValid) {
        // P_h = X_h KR(A_p..A_{N-1}): H x T times T x R
        tailKhatriRao.write(khatriRao(a, shape, split, shape.length, rank, tailKhatriRaoWork));
        la.gemm(
            false, false, headSize, rank, tailSize, 1.0, x, tailKhatriRao, 0.0, headPartialNative);
        headPartialNative.read(headPartial);
        headValid = true;
        tailValid = false;
      }
      headPreset = false;
      return contract(headPartial, a, shape, rank, 0, split, n);
    }
    headPreset = false;
    if (n == split || !tailValid) {
      // P_t = X_h^T KR(A_0..A_{p-1}): T x H times H x R
      headKhatriRao.write(khatriRao(a, shape, 0, split, rank, headKhatriRaoWork));
      la.gemm(true, false, tailSize, rank, headSize, 1.0, x, headKhatriRao, 0.0, tailPartialNative);
      tailPartialNative.read(tailPartial);
      tailValid = true;
      headValid = false;
    }
    return contract(tailPartial, a, shape, rank, split, shape.length, n);
  }

  /**
   * The mode j whose factor alone is the Khatri-Rao operand of one partial, which is then linear in
   * A_j: 0 when the head is mode 0 alone (P_t = X_h^T A_0, T x R), N-1 when the tail is the last
   * mode alone (P_h = X_h A_{N-1}, H x R), -1 when both groups hold two modes or more. For a
   * [C_out, K, C_in] kernel it is 0 when C_in &lt; C_out, else 2.
   */
  int linearMode() {
    if (split == 1) {
      return 0;
    }
    return split == shape.length - 1 ? split : -1;
  }

  /**
   * The partial last formed whose operand is the factor of the {@link #linearMode} j: P_t = X_h^T
   * A_0 (T x R) for j = 0, P_h = X_h A_{N-1} (H x R) for j = N-1, from the A_j it was formed with.
   * The internal array: not to be modified, overwritten by the next {@link #compute}.
   */
  double[] linearPartial() {
    return linearMode() == 0 ? tailPartial : headPartial;
  }

  /**
   * P_h = X_h f (H x R) for an I_{N-1} x R factor {@code f} (not modified) when the tail is the
   * last mode alone ({@link #linearMode} N-1): one GEMM, e.g. the head partial of the next sweep
   * formed ahead of time. Does not change what {@link #compute} uses.
   */
  double[] headPartialOf(double[] f) {
    if (split != shape.length - 1) {
      throw new IllegalStateException(
          "the tail of " + Arrays.toString(shape) + " is not the last mode alone");
    }
    tailKhatriRao.write(f);
    la.gemm(false, false, headSize, rank, tailSize, 1.0, x, tailKhatriRao, 0.0, headPartialNative);
    return headPartialNative.read(new double[headPartial.length]);
  }

  /**
   * Makes the next {@link #compute} of mode 0 use {@code p} (H x R; kept, not copied: the caller
   * gives it up) as P_h = X_h KR(A_p..A_{N-1}) instead of forming it, e.g. {@link #headPartialOf}
   * of the factor the next sweep starts from. The caller vouches that p matches those factors.
   */
  void presetHeadPartial(double[] p) {
    if (p.length != headPartial.length) {
      throw new IllegalArgumentException(
          "head partial: expected " + headPartial.length + " values, found " + p.length);
    }
    headPartial = p;
    headPreset = true;
  }

  /**
   * M_n from the partial P of the group of modes from..to-1, viewed as [L, I_n, Rt, R] (L = prod of
   * the group's modes before n, Rt after): M[i, c] = sum_{l, t} P[l, i, t, c] KR_L[l, c] KR_Rt[t,
   * c]. 2 |P| flops. {@code p} (not modified) is [prod_{k in from..to-1} I_k, R] row-major; a[k] is
   * I_k x R.
   */
  static double[] contract(
      double[] p, double[][] a, int[] shape, int rank, int from, int to, int n) {
    int in = shape[n];
    int left = 1;
    for (int k = from; k < n; k++) {
      left *= shape[k];
    }
    int right = 1;
    for (int k = n + 1; k < to; k++) {
      right *= shape[k];
    }
    if (left == 1 && right == 1) {
      return p.clone();
    }
    double[] m = new double[in * rank];
    // the two shapes of a group of at most two modes, in one pass each with no work row (the
    // Khatri-Rao product of no mode is a row of ones: the same sums as the general loop below)
    if (left == 1) {
      double[] kr = khatriRao(a, shape, n + 1, to, rank);
      for (int i = 0; i < in; i++) {
        int mr = i * rank;
        int base = i * right * rank;
        for (int t = 0; t < right; t++) {
          int pr = base + t * rank;
          int kt = t * rank;
          for (int c = 0; c < rank; c++) {
            m[mr + c] += p[pr + c] * kr[kt + c];
          }
        }
      }
      return m;
    }
    double[] kl = khatriRao(a, shape, from, n, rank);
    if (right == 1) {
      for (int l = 0; l < left; l++) {
        int kl0 = l * rank;
        for (int i = 0; i < in; i++) {
          int mr = i * rank;
          int pr = (l * in + i) * rank;
          for (int c = 0; c < rank; c++) {
            m[mr + c] += p[pr + c] * kl[kl0 + c];
          }
        }
      }
      return m;
    }
    double[] kr = khatriRao(a, shape, n + 1, to, rank);
    double[] acc = new double[rank];
    for (int l = 0; l < left; l++) {
      int kl0 = l * rank;
      for (int i = 0; i < in; i++) {
        Arrays.fill(acc, 0);
        int base = (l * in + i) * right * rank;
        for (int t = 0; t < right; t++) {
          int pr = base + t * rank;
          int kt = t * rank;
          for (int c = 0; c < rank; c++) {
            acc[c] += p[pr + c] * kr[kt + c];
          }
        }
        int mr = i * rank;
        for (int c = 0; c < rank; c++) {
          m[mr + c] += acc[c] * kl[kl0 + c];
        }
      }
    }
    return m;
  }

  /**
   * Row-major Khatri-Rao product A_from ⊙ ... ⊙ A_{to-1} ((prod I_k) x R, the last mode fastest; a
   * 1 x R row of ones when empty).
   */
  static double[] khatriRao(double[][] a, int[] shape, int from, int to, int rank) {
    long rows = 1;
    for (int k = from; k < to; k++) {
      rows *= shape[k];
    }
    return khatriRao(a, shape, from, to, rank, new double[Math.multiplyExact((int) rows, rank)]);
  }

  /**
   * {@link #khatriRao(double[][], int[], int, int, int)} written into {@code out} (exactly (prod
   * I_k) x R long; modified and returned): the last factor's level goes straight into {@code out},
   * only the smaller levels before it are allocated.
   */
  static double[] khatriRao(double[][] a, int[] shape, int from, int to, int rank, double[] out) {
    if (to <= from) {
      Arrays.fill(out, 0, rank, 1);
      return out;
    }
    double[] acc;
    int rows;
    if (to - from == 1) {
      acc = null;
      rows = 1;
    } else {
      acc = khatriRao(a, shape, from, to - 1, rank);
      rows = acc.length / rank;
    }
    int br = shape[to - 1];
    double[] b = a[to - 1];
    if (acc == null) {
      System.arraycopy(b, 0, out, 0, br * rank);
      return out;
    }
    for (int i = 0; i < rows; i++) {
      int src = i * rank;
      for (int j = 0; j < br; j++) {
        int dst = (i * br + j) * rank;
        int bj = j * rank;
        for (int c = 0; c < rank; c++) {
          out[dst + c] = acc[src + c] * b[bj + c];
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    x.close();
    headKhatriRao.close();
    tailKhatriRao.close();
    headPartialNative.close();
    tailPartialNative.close();
  }
}
