package org.lowrank.decomp;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.Svd;
import org.lowrank.tensor.DenseTensor;

/**
 * Data-aware factorizations: the factors minimize the layer's error on its calibration inputs, ||(W
 * - Ŵ) S^(1/2)||_F with S the {@link InputMoment} (ridged), instead of ||W - Ŵ||_F
 * (distribution-aware decomposition, arXiv 2511.04494; Zhang et al., TPAMI 2016). W is the layer
 * weight viewed as [m, n]: a dense W [out, in], a conv kernel flattened to [C_out, C_in K].
 *
 * <ul>
 *   <li>{@link #svd}: closed form. With L L^T = S + lambda I, the rank-r optimum is Ŵ = U_r U_r^T
 *       W, U_r the leading left singular vectors of W L (Eckart-Young on W L); no inverse of L is
 *       needed. Factors A = U_r [m, r], B = U_r^T W [r, n], balanced by row norms.
 *   <li>{@link #qr}: pivoted QR of W L, then the projection Ŵ = Q_r Q_r^T W.
 *   <li>{@link #tucker2}: two-sided Tucker-2, in the flattened view Ŵ = U_out C Q^T with core C
 *       [r1, r2 K], input factor B [r2, C_in] and Q = B^T ⊗ I_K [C_in K, r2 K]. Given the input
 *       factor B the optimum is closed form: X* = W S Q (Q^T S Q)^-1, then U_out = leading r1 left
 *       singular vectors of X* R (R R^T = Q^T S Q), core C = U_out^T X*. B is started at the
 *       weight-only (HOOI) input factor and updated by its exact weighted least-squares solution
 *       given U_out C (alternating least squares; above {@value #MAX_UNKNOWNS} unknowns r2 C_in,
 *       from the channel moment, the average diagonal block of S, instead); every candidate is
 *       scored on the exact objective and the best is kept, so the result never has a larger
 *       data-aware error than the weight-only one.
 *   <li>{@link #cp}: weighted ALS on W[t, (c, s)] = sum_rho A[t, rho] K[s, rho] C[c, rho] from the
 *       weight-only CP-ALS result: each factor update is the exact weighted least-squares solution
 *       given the other two, so the objective never increases.
 *   <li>{@link #tt}: the 3-core conv TT has the multilinear form of two-sided Tucker-2 and is
 *       fitted by the same ALS.
 *   <li>{@link #ttMatrix}: weighted ALS over the TT-matrix cores, one exact core update at a time.
 * </ul>
 *
 * Computed in double; inputs are not modified.
 */
public final class DataAwareFactorization {
  /** Unknowns above which a CP factor update (a dense normal-equation solve) is skipped. */
  static final int MAX_UNKNOWNS = 2048;

  /** Values above which a TT-matrix core's design matrix is not formed (the core is kept). */
  static final long MAX_DESIGN = 4_000_000;

  private final LinearAlgebra la;

  private DataAwareFactorization(LinearAlgebra la) {
    this.la = la;
  }

  public static DataAwareFactorization create(LinearAlgebra la) {
    return new DataAwareFactorization(Objects.requireNonNull(la, "la"));
  }

  /**
   * Rank-r whitened truncated SVD of W [m, n] with input moment S [n, n]; r in 1..min(m, n). About
   * m n^2 + n^3 flops (W L and the eigendecomposition of S) plus the SVD of W L.
   */
  public LowRankMatrix svd(DenseTensor w, InputMoment moment, int r) {
    if (w.order() != 2) {
      throw new IllegalArgumentException(
          "data-aware SVD: expected a matrix [m, n], got " + Arrays.toString(w.shape()));
    }
    int m = w.dim(0);
    int n = w.dim(1);
    requireSize("data-aware SVD", moment, n, w);
    Checks.requireRank("data-aware SVD", "rank", r, Math.min(m, n), w.shape());
    Checks.requireFinite("data-aware SVD", w);
    double[] a = w.toArray();
    double[] u = leftVectors(la.multiply(false, false, m, n, n, a, moment.sqrtFactor(la)), m, n, r);
    double[] b = la.multiply(true, false, r, n, m, u, a);
    balance(u, b, m, n, r);
    return new LowRankMatrix(DenseTensor.of(u, m, r), DenseTensor.of(b, r, n));
  }

  /**
   * Rank-r pivoted QR on the whitened matrix: W L ~ Q_r R_r P^T (columns of W L chosen by
   * pivoting), then Ŵ = Q_r Q_r^T W, the best fit of W in the span of Q_r. Factors A = Q_r, B =
   * Q_r^T W.
   */
  public LowRankMatrix qr(DenseTensor w, InputMoment moment, int r) {
    if (w.order() != 2) {
      throw new IllegalArgumentException(
          "data-aware QR: expected a matrix [m, n], got " + Arrays.toString(w.shape()));
    }
    int m = w.dim(0);
    int n = w.dim(1);
    requireSize("data-aware QR", moment, n, w);
    Checks.requireFinite("data-aware QR", w);
    double[] a = w.toArray();
    DenseTensor whitened =
        DenseTensor.of(la.multiply(false, false, m, n, n, a, moment.sqrtFactor(la)), m, n);
    double[] q = PivotedQr.create(la).factorize(whitened, r).left().toArray();
    return new LowRankMatrix(
        DenseTensor.of(q, m, r), DenseTensor.of(la.multiply(true, false, r, n, m, q, a), r, n));
  }

  /**
   * Data-aware two-sided Tucker-2 of a conv kernel W [C_out, C_in, k..], ranks (r1 out, r2 in).
   *
   * @param moment S over the input patches, n = C_in K
   * @param weightOnly the weight-only Tucker-2 of the same kernel and ranks (its input factor
   *     starts the search, its error bounds the result)
   * @param sweeps updates of the input factor after the start (0: only the closed-form step on the
   *     weight-only input factor)
   */
  public TuckerTensor tucker2(
      DenseTensor kernel, InputMoment moment, TuckerTensor weightOnly, int sweeps) {
    ConvKernels.requireKernel("data-aware Tucker2", kernel);
    int m = kernel.dim(0);
    int cin = kernel.dim(1);
    int k = kernel.size() / (m * cin);
    int n = cin * k;
    requireSize("data-aware Tucker2", moment, n, kernel);
    int[] ranks = weightOnly.ranks();
    int r1 = ranks[0];
    int r2 = ranks[1];
    double[] w = kernel.toArray();
    double[] uIn = weightOnly.factor(1).orElseThrow().transpose().toArray(); // [r2, cin]
    TuckerFit best = twoSided(w, moment, uIn, m, cin, k, r1, r2, sweeps);
    double weightOnlyError = moment.squaredError(la, kernel, weightOnly.reconstruct());
    if (!(best.error <= weightOnlyError)) {
      return weightOnly;
    }
    int[] coreShape = kernel.shape().clone();
    coreShape[0] = r1;
    coreShape[1] = r2;
    return new TuckerTensor(
        DenseTensor.of(best.core, coreShape),
        new int[] {0, 1},
        List.of(DenseTensor.of(best.uOut, m, r1), DenseTensor.of(best.bIn, r2, cin).transpose()));
  }

  /**
   * Data-aware 3-core tensor train of a conv kernel W [C_out, C_in, k..], ranks (r1, r2): the same
   * multilinear form as two-sided Tucker-2 in the flattened view, Ŵ[t, (c, s)] = sum_{a, b} G1[t,
   * a] G2[a, s, b] G3[b, c], so it is fitted by the same alternating least squares ({@link
   * #tucker2}), started from the weight-only input core G3 and never worse than the weight-only
   * result on the moment.
   *
   * @param moment S over the input patches, n = C_in K
   * @param weightOnly the weight-only TT-SVD of the same kernel and ranks
   */
  public ConvTensorTrain tt(
      DenseTensor kernel, InputMoment moment, ConvTensorTrain weightOnly, int sweeps) {
    ConvKernels.requireKernel("data-aware TT", kernel);
    int m = kernel.dim(0);
    int cin = kernel.dim(1);
    int k = kernel.size() / (m * cin);
    requireSize("data-aware TT", moment, cin * k, kernel);
    int r1 = weightOnly.rank1();
    int r2 = weightOnly.rank2();
    double[] w = kernel.toArray();
    TuckerFit best =
        twoSided(w, moment, weightOnly.inputFactor().toArray(), m, cin, k, r1, r2, sweeps);
    double weightOnlyError =
        moment.squaredError(la, kernel, weightOnly.reconstruct().reshape(m, cin * k));
    if (!(best.error <= weightOnlyError)) {
      return weightOnly;
    }
    double[] g2 = new double[r1 * k * r2]; // G2[a, s, b] = C[a, (b, s)]
    for (int a = 0; a < r1; a++) {
      for (int b = 0; b < r2; b++) {
        for (int t = 0; t < k; t++) {
          g2[(a * k + t) * r2 + b] = best.core[a * r2 * k + b * k + t];
        }
      }
    }
    return new ConvTensorTrain(
        DenseTensor.of(best.uOut, m, r1),
        DenseTensor.of(g2, r1, k, r2),
        DenseTensor.of(best.bIn, r2, cin),
        weightOnly.spatialShape());
  }

  /**
   * Alternating least squares for Ŵ = U_out C Q^T (see {@link #tucker2}) from the input factor
   * {@code uIn} [r2, cin]: the closed-form output side, then up to {@code sweeps} exact
   * input-factor updates, each kept only when it lowers the error.
   */
  private TuckerFit twoSided(
      double[] w,
      InputMoment moment,
      double[] uIn,
      int m,
      int cin,
      int k,
      int r1,
      int r2,
      int sweeps) {
    int n = cin * k;
    double[] s = moment.ridged();
    TuckerFit best = tuckerGivenInput(w, s, uIn, m, cin, k, r1, r2);
    for (int it = 0; it < sweeps; it++) {
      double[] next;
      if ((long) r2 * cin <= MAX_UNKNOWNS) {
        next =
            exactInputFactor(w, s, la.multiply(best.uOut, best.core, m, r1, r2 * k), m, cin, k, r2);
      } else {
        double[] z = la.multiply(true, false, r1, n, m, best.uOut, w); // U_out^T W [r1, n]
        next = inputFactor(z, moment.channels(k), r1, cin, k, r2);
      }
      if (next == null) {
        break;
      }
      TuckerFit cand = tuckerGivenInput(w, s, next, m, cin, k, r1, r2);
      if (!(cand.error < best.error * (1 - 1e-9))) {
        break;
      }
      best = cand;
    }
    return best;
  }

  /**
   * U_out [m, r1], core C [r1, r2 K], input factor B [r2, cin] (orthonormal rows), squared error.
   */
  private record TuckerFit(double[] uOut, double[] core, double[] bIn, double error) {}

  /** The optimal output factor and core given the input factor B [r2, cin] (row space used). */
  private TuckerFit tuckerGivenInput(
      double[] w, double[] s, double[] b, int m, int cin, int k, int r1, int r2) {
    int n = cin * k;
    double[] bo = orthonormalRows(b, r2, cin);
    int p = r2 * k;
    double[] q = new double[n * p]; // Q[(c, s), (j, s)] = B[j, c]
    for (int c = 0; c < cin; c++) {
      for (int j = 0; j < r2; j++) {
        double v = bo[j * cin + c];
        for (int t = 0; t < k; t++) {
          q[(c * k + t) * p + j * k + t] = v;
        }
      }
    }
    double[] sq = la.multiply(false, false, n, p, n, s, q);
    double[] g = ridgedSolveMatrix(la.multiply(true, false, p, p, n, q, sq), p);
    double[] wsq = la.multiply(false, false, m, p, n, w, sq);
    double[] xt = la.solveSymmetric(g, p, transpose(wsq, m, p), m); // X*^T [p, m]
    double[] x = transpose(xt, p, m);
    double[] y = la.multiply(false, false, m, p, p, x, InputMoment.sqrtFactor(la, g, p));
    int r = Math.min(r1, Math.min(m, p));
    double[] uOut = new double[m * r1];
    double[] u = leftVectors(y, m, p, r);
    for (int i = 0; i < m; i++) {
      System.arraycopy(u, i * r, uOut, i * r1, r);
    }
    double[] core = la.multiply(true, false, r1, p, m, uOut, x);
    double[] approx = la.multiply(false, true, m, n, p, la.multiply(uOut, core, m, r1, p), q);
    double[] d = w.clone();
    for (int i = 0; i < d.length; i++) {
      d[i] -= approx[i];
    }
    double[] ds = la.multiply(false, false, m, n, n, d, s);
    double e = 0;
    for (int i = 0; i < d.length; i++) {
      e += d[i] * ds[i];
    }
    return new TuckerFit(uOut, core, bo, e);
  }

  /**
   * The input factor B [r2, cin] minimizing tr((W - Ŵ) S (W - Ŵ)^T) for Ŵ[t, (c, s)] = sum_j X[t,
   * (j, s)] B[j, c] with X = U_out C [m, r2 K] held fixed: normal equations G vec(B) = b with G[(j,
   * c), (j', c')] = sum_{s, s'} (X^T X)[(j, s), (j', s')] S[(c, s), (c', s')] and b[(j, c)] = sum_s
   * (X^T W S)[(j, s), (c, s)]; r2^2 cin^2 K^2 flops plus the (r2 cin)^3 / 3 solve.
   */
  private double[] exactInputFactor(
      double[] w, double[] s, double[] x, int m, int cin, int k, int r2) {
    int n = cin * k;
    int p = r2 * k;
    int q = r2 * cin;
    double[] xtx = la.multiply(true, false, p, p, m, x, x);
    double[] xtws = la.multiply(true, false, p, n, m, x, la.multiply(false, false, m, n, n, w, s));
    double[] rhs = new double[q];
    for (int j = 0; j < r2; j++) {
      for (int c = 0; c < cin; c++) {
        double b = 0;
        for (int t = 0; t < k; t++) {
          b += xtws[(j * k + t) * n + c * k + t];
        }
        rhs[j * cin + c] = b;
      }
    }
    // the sum over the offset pairs (s, s') as one gemm: P[(j, j'), (c, c')] = sum over (s, s')
    // of (X^T X)[(j, j'), (s, s')] S[(c, c'), (s, s')]; G[(j, c), (j', c')] = P[(j, j'), (c, c')]
    double[] pg =
        la.multiply(
            false,
            true,
            r2 * r2,
            cin * cin,
            k * k,
            offsetPairs(xtx, r2, k),
            offsetPairs(s, cin, k));
    double[] g = new double[q * q];
    for (int j = 0; j < r2; j++) {
      for (int j2 = 0; j2 < r2; j2++) {
        int from = (j * r2 + j2) * cin * cin;
        for (int c = 0; c < cin; c++) {
          System.arraycopy(pg, from + c * cin, g, (j * cin + c) * q + j2 * cin, cin);
        }
      }
    }
    return la.solveSymmetric(ridgedSolveMatrix(g, q), q, rhs, 1);
  }

  /**
   * A [a K, a K] matrix M indexed ((i, s), (i', s')) regrouped as [(i, i'), (s, s')], a^2 x K^2
   * row-major.
   */
  private static double[] offsetPairs(double[] m, int a, int k) {
    int n = a * k;
    double[] out = new double[a * a * k * k];
    for (int i = 0; i < a; i++) {
      for (int t = 0; t < k; t++) {
        for (int i2 = 0; i2 < a; i2++) {
          System.arraycopy(m, (i * k + t) * n + i2 * k, out, ((i * a + i2) * k + t) * k, k);
        }
      }
    }
    return out;
  }

  /**
   * Input factor [r2, cin] minimizing sum_{i, s} ||(Z_(i,s) - Z_(i,s) P) Sc^(1/2)||^2 over rank-r2
   * maps P: the rows of Z [r1, cin K] regrouped per spatial offset, with the block-diagonal channel
   * moment Sc. Closed form: B = V_r^T L^-1 from the SVD of Z_rows L, L L^T = Sc + lambda I. Null
   * when Z has fewer than r2 rows per offset.
   */
  private double[] inputFactor(double[] z, InputMoment sc, int r1, int cin, int k, int r2) {
    if (r1 * k < r2) {
      return null;
    }
    double[] rows = new double[r1 * k * cin];
    for (int i = 0; i < r1; i++) {
      for (int c = 0; c < cin; c++) {
        for (int t = 0; t < k; t++) {
          rows[(i * k + t) * cin + c] = z[i * cin * k + c * k + t];
        }
      }
    }
    double[] l = sc.sqrtFactor(la);
    Svd svd = la.svd(la.multiply(false, false, r1 * k, cin, cin, rows, l), r1 * k, cin);
    // L = V D^(1/2) => L^-1 = D^(-1/2) V^T: row j of L^-1 is column j of L over its squared norm
    double[] b = new double[r2 * cin];
    for (int j = 0; j < r2; j++) {
      for (int col = 0; col < cin; col++) {
        double norm2 = 0;
        for (int i = 0; i < cin; i++) {
          norm2 += l[i * cin + col] * l[i * cin + col];
        }
        double v = svd.vt()[j * cin + col] / Math.max(norm2, Double.MIN_NORMAL);
        for (int c = 0; c < cin; c++) {
          b[j * cin + c] += v * l[c * cin + col];
        }
      }
    }
    return b;
  }

  /**
   * Data-aware CP of a conv kernel in the [C_out, K, C_in] layout: weighted ALS from {@code
   * weightOnly} (a CP of {@link ConvKernels#threeWay}), at most {@code sweeps} sweeps, stopping
   * when the error drops by less than {@code tolerance} (relative) in a sweep.
   *
   * @param moment S over the input patches, n = C_in K
   */
  public CpTensor cp(
      DenseTensor kernel, InputMoment moment, CpTensor weightOnly, int sweeps, double tolerance) {
    ConvKernels.requireKernel("data-aware CP", kernel);
    int m = kernel.dim(0);
    int cin = kernel.dim(1);
    int k = kernel.size() / (m * cin);
    int n = cin * k;
    requireSize("data-aware CP", moment, n, kernel);
    if (weightOnly.order() != 3 || weightOnly.shape()[1] != k || weightOnly.shape()[2] != cin) {
      throw new IllegalArgumentException(
          "data-aware CP: expected a CP of ["
              + m
              + ", "
              + k
              + ", "
              + cin
              + "], got "
              + Arrays.toString(weightOnly.shape()));
    }
    int r = weightOnly.rank();
    double[] w = kernel.toArray();
    double[] s = moment.ridged();
    double[] ws = la.multiply(false, false, m, n, n, w, s);
    double[] a = weightOnly.absorbWeights(0).factor(0).toArray();
    double[] kf = weightOnly.factor(1).toArray();
    double[] cf = weightOnly.factor(2).toArray();
    double start = cpError(w, s, a, kf, cf, m, cin, k, r);
    double error = start;
    for (int it = 0; it < sweeps; it++) {
      double[] f = cpFeatures(kf, cf, cin, k, r);
      double[] sf = la.multiply(false, false, n, r, n, s, f);
      double[] g = ridgedSolveMatrix(la.multiply(true, false, r, r, n, f, sf), r);
      double[] at =
          la.solveSymmetric(g, r, transpose(la.multiply(false, false, m, r, n, w, sf), m, r), m);
      a = transpose(at, r, m);
      if ((long) r * k <= MAX_UNKNOWNS) {
        kf = modeUpdate(a, s, ws, kernelBasis(cf, cin, k, r), m, n, r, k);
      }
      if ((long) r * cin <= MAX_UNKNOWNS) {
        cf = modeUpdate(a, s, ws, channelBasis(kf, cin, k, r), m, n, r, cin);
      }
      double e = cpError(w, s, a, kf, cf, m, cin, k, r);
      boolean small = error - e <= tolerance * error;
      error = Math.min(error, e);
      if (small) {
        break;
      }
    }
    double[] f = cpFeatures(kf, cf, cin, k, r); // final A for the final K, C
    double[] sf = la.multiply(false, false, n, r, n, s, f);
    double[] g = ridgedSolveMatrix(la.multiply(true, false, r, r, n, f, sf), r);
    a =
        transpose(
            la.solveSymmetric(g, r, transpose(la.multiply(false, false, m, r, n, w, sf), m, r), m),
            r,
            m);
    if (!(cpError(w, s, a, kf, cf, m, cin, k, r) <= start)) {
      return weightOnly;
    }
    double[] lambda = new double[r];
    Arrays.fill(lambda, 1.0);
    normalizeColumns(kf, k, r, lambda);
    normalizeColumns(cf, cin, r, lambda);
    normalizeColumns(a, m, r, lambda);
    return new CpTensor(
        lambda,
        List.of(DenseTensor.of(a, m, r), DenseTensor.of(kf, k, r), DenseTensor.of(cf, cin, r)));
  }

  /**
   * Data-aware TT-matrix of a dense weight W [M, N] (cores G_k [r_{k-1}, m_k, n_k, r_k], see {@link
   * TtMatrix}): weighted ALS from {@code weightOnly}, one core at a time (left to right, {@code
   * sweeps} times). Ŵ is linear in each core, vec(Ŵ) = D_k vec(G_k) with the design D_k [M N, P_k]
   * (column p: Ŵ with G_k the p-th unit core, the others fixed), so the exact update solves (D_k^T
   * (I_M ⊗ S) D_k) g = D_k^T vec(W S), about M N^2 P_k + M N P_k^2 flops. Cores whose design would
   * exceed {@value #MAX_DESIGN} values or {@value #MAX_UNKNOWNS} unknowns keep their weight-only
   * values. Never worse than {@code weightOnly} on the moment.
   *
   * @param moment S over the layer's N input features
   */
  public TtMatrix ttMatrix(DenseTensor w, InputMoment moment, TtMatrix weightOnly, int sweeps) {
    if (w.order() != 2 || !Arrays.equals(w.shape(), weightOnly.shape())) {
      throw new IllegalArgumentException(
          "data-aware TT-matrix: expected a matrix of the TT-matrix's shape "
              + Arrays.toString(weightOnly.shape())
              + ", got "
              + Arrays.toString(w.shape()));
    }
    int rows = w.dim(0);
    int n = w.dim(1);
    requireSize("data-aware TT-matrix", moment, n, w);
    double[] s = moment.ridged();
    double[] ws = la.multiply(false, false, rows, n, n, w.toArray(), s);
    List<DenseTensor> cores = new java.util.ArrayList<>(weightOnly.cores());
    double start = moment.squaredError(la, w, weightOnly.reconstruct());
    double error = start;
    for (int it = 0; it < sweeps; it++) {
      double before = error;
      for (int core = 0; core < cores.size(); core++) {
        int[] shape = cores.get(core).shape();
        int p = cores.get(core).size();
        if (p > MAX_UNKNOWNS || (long) p * rows * n > MAX_DESIGN) {
          continue;
        }
        double[] d = new double[rows * n * p]; // D [(i, j), p]
        for (int q = 0; q < p; q++) {
          double[] unit = new double[p];
          unit[q] = 1;
          List<DenseTensor> probe = new java.util.ArrayList<>(cores);
          probe.set(core, DenseTensor.of(unit, shape));
          double[] col = new TtMatrix(probe).reconstruct().toArray();
          for (int e = 0; e < col.length; e++) {
            d[e * p + q] = col[e];
          }
        }
        // (I_M ⊗ S) D: S applied to each row block D_i [N, P]
        double[] sd = new double[d.length];
        for (int i = 0; i < rows; i++) {
          double[] block = Arrays.copyOfRange(d, i * n * p, (i + 1) * n * p);
          System.arraycopy(la.multiply(false, false, n, p, n, s, block), 0, sd, i * n * p, n * p);
        }
        double[] g = ridgedSolveMatrix(la.multiply(true, false, p, p, rows * n, d, sd), p);
        double[] rhs = la.multiply(true, false, p, 1, rows * n, d, ws);
        double[] theta = la.solveSymmetric(g, p, rhs, 1);
        List<DenseTensor> cand = new java.util.ArrayList<>(cores);
        cand.set(core, DenseTensor.of(theta, shape));
        double e = moment.squaredError(la, w, new TtMatrix(cand).reconstruct());
        if (e < error) {
          cores = cand;
          error = e;
        }
      }
      if (!(error < before * (1 - 1e-9))) {
        break;
      }
    }
    return error < start ? new TtMatrix(cores) : weightOnly;
  }

  /** F [n, r], F[(c, s), rho] = C[c, rho] K[s, rho]: Ŵ = A F^T. */
  private static double[] cpFeatures(double[] kf, double[] cf, int cin, int k, int r) {
    double[] f = new double[cin * k * r];
    for (int c = 0; c < cin; c++) {
      for (int t = 0; t < k; t++) {
        for (int rho = 0; rho < r; rho++) {
          f[(c * k + t) * r + rho] = cf[c * r + rho] * kf[t * r + rho];
        }
      }
    }
    return f;
  }

  /** P [n, r k]: column (rho, t) holds C[:, rho] at the patch entries of offset t. */
  private static double[] kernelBasis(double[] cf, int cin, int k, int r) {
    int q = r * k;
    double[] p = new double[cin * k * q];
    for (int c = 0; c < cin; c++) {
      for (int t = 0; t < k; t++) {
        for (int rho = 0; rho < r; rho++) {
          p[(c * k + t) * q + rho * k + t] = cf[c * r + rho];
        }
      }
    }
    return p;
  }

  /** P [n, r cin]: column (rho, c) holds K[:, rho] at the patch entries of channel c. */
  private static double[] channelBasis(double[] kf, int cin, int k, int r) {
    int q = r * cin;
    double[] p = new double[cin * k * q];
    for (int c = 0; c < cin; c++) {
      for (int t = 0; t < k; t++) {
        for (int rho = 0; rho < r; rho++) {
          p[(c * k + t) * q + rho * cin + c] = kf[t * r + rho];
        }
      }
    }
    return p;
  }

  /**
   * The factor F [d, r] minimizing tr((W - Ŵ) S (W - Ŵ)^T) for Ŵ = sum_rho A[:, rho] (P_rho F[:,
   * rho])^T, P [n, r d] the basis with column rho d + i: normal equations G theta = b with G[(rho,
   * i), (rho', i')] = (A^T A)[rho, rho'] (P^T S P)[(rho, i), (rho', i')], b[(rho, i)] = (A^T W S
   * P)[rho, (rho, i)].
   */
  private double[] modeUpdate(
      double[] a, double[] s, double[] ws, double[] p, int m, int n, int r, int d) {
    int q = r * d;
    double[] ata = la.multiply(true, false, r, r, m, a, a);
    double[] psp = la.multiply(true, false, q, q, n, p, la.multiply(false, false, n, q, n, s, p));
    for (int i = 0; i < q; i++) {
      int rho = i / d;
      for (int j = 0; j < q; j++) {
        psp[i * q + j] *= ata[rho * r + j / d];
      }
    }
    double[] atwsp =
        la.multiply(false, false, r, q, n, la.multiply(true, false, r, n, m, a, ws), p);
    double[] rhs = new double[q];
    for (int i = 0; i < q; i++) {
      rhs[i] = atwsp[(i / d) * q + i];
    }
    double[] theta = la.solveSymmetric(ridgedSolveMatrix(psp, q), q, rhs, 1);
    double[] f = new double[d * r];
    for (int rho = 0; rho < r; rho++) {
      for (int i = 0; i < d; i++) {
        f[i * r + rho] = theta[rho * d + i];
      }
    }
    return f;
  }

  private double cpError(
      double[] w, double[] s, double[] a, double[] kf, double[] cf, int m, int cin, int k, int r) {
    int n = cin * k;
    double[] d = w.clone();
    double[] approx = la.multiply(false, true, m, n, r, a, cpFeatures(kf, cf, cin, k, r));
    for (int i = 0; i < d.length; i++) {
      d[i] -= approx[i];
    }
    double[] ds = la.multiply(false, false, m, n, n, d, s);
    double e = 0;
    for (int i = 0; i < d.length; i++) {
      e += d[i] * ds[i];
    }
    return e;
  }

  /**
   * G + 1e-12 tr(G)/q I: keeps the normal equations solvable when factor columns are collinear, far
   * below the ridge of S.
   */
  private static double[] ridgedSolveMatrix(double[] g, int q) {
    double trace = 0;
    for (int i = 0; i < q; i++) {
      trace += g[i * q + i];
    }
    double eps = trace > 0 ? 1e-12 * trace / q : 1e-300;
    for (int i = 0; i < q; i++) {
      g[i * q + i] += eps;
    }
    return g;
  }

  private static void normalizeColumns(double[] f, int rows, int r, double[] lambda) {
    for (int rho = 0; rho < r; rho++) {
      double norm = 0;
      for (int i = 0; i < rows; i++) {
        norm += f[i * r + rho] * f[i * r + rho];
      }
      norm = Math.sqrt(norm);
      if (norm > 0) {
        for (int i = 0; i < rows; i++) {
          f[i * r + rho] /= norm;
        }
        lambda[rho] *= norm;
      }
    }
  }

  /** The leading r left singular vectors of Y [m, p], m x r row-major. */
  private double[] leftVectors(double[] y, int m, int p, int r) {
    Svd svd = la.svd(y, m, p);
    return TruncatedSvd.columns(svd.u(), m, svd.size(), r);
  }

  /** Rows of B [r, cols] made orthonormal (Gram-Schmidt twice); zero rows stay zero. */
  private static double[] orthonormalRows(double[] b, int r, int cols) {
    double[] o = b.clone();
    for (int pass = 0; pass < 2; pass++) {
      for (int j = 0; j < r; j++) {
        for (int i = 0; i < j; i++) {
          double dot = 0;
          for (int c = 0; c < cols; c++) {
            dot += o[i * cols + c] * o[j * cols + c];
          }
          for (int c = 0; c < cols; c++) {
            o[j * cols + c] -= dot * o[i * cols + c];
          }
        }
        double norm = 0;
        for (int c = 0; c < cols; c++) {
          norm += o[j * cols + c] * o[j * cols + c];
        }
        norm = Math.sqrt(norm);
        if (norm > 1e-300) {
          for (int c = 0; c < cols; c++) {
            o[j * cols + c] /= norm;
          }
        }
      }
    }
    return o;
  }

  /** Moves the row norms of B into A: column c of A times sqrt(|B_c|), row c of B divided by it. */
  private static void balance(double[] a, double[] b, int m, int n, int r) {
    for (int c = 0; c < r; c++) {
      double norm = 0;
      for (int j = 0; j < n; j++) {
        norm += b[c * n + j] * b[c * n + j];
      }
      double f = Math.sqrt(Math.sqrt(norm));
      if (f > 0) {
        for (int i = 0; i < m; i++) {
          a[i * r + c] *= f;
        }
        for (int j = 0; j < n; j++) {
          b[c * n + j] /= f;
        }
      }
    }
  }

  private static double[] transpose(double[] x, int rows, int cols) {
    double[] t = new double[x.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = x[i * cols + j];
      }
    }
    return t;
  }

  private static void requireSize(String op, InputMoment moment, int n, DenseTensor w) {
    if (moment.size() != n) {
      throw new IllegalArgumentException(
          op
              + ": the input moment is "
              + moment.size()
              + " x "
              + moment.size()
              + " but the weight of shape "
              + Arrays.toString(w.shape())
              + " has "
              + n
              + " inputs per output (C_in K for a conv, in for a dense layer); collect the moment over"
              + " the layer's own inputs");
    }
  }
}
