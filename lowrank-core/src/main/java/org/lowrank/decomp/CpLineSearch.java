package org.lowrank.decomp;

import java.util.Arrays;
import org.lowrank.linalg.LinearAlgebra;

/**
 * The line search of {@link CpAls} by extrapolation (Bro 1998; Acar, Dunlavy &amp; Kolda 2011 call
 * it "ALS with line search"). With A_n the factors after a sweep and A'_n those before it (lambda
 * folded into the last mode), the trial point is F_n = A_n + s (A_n - A'_n), s = it^(1/3); it is
 * kept only if its relative error is below the sweep's, so the error never grows.
 *
 * <p>The trial's error comes without reconstructing it, from e^2 = ||X||^2 - 2 &lt;X, X̂_F> +
 * ||X̂_F||^2: ||X̂_F||^2 from the Grams of the trial factors (R^2 sum_k I_k flops), and &lt;X,
 * X̂_F> from the partial of the {@link CpMttkrp#linearMode linear mode} j, which is linear in A_j:
 * P(F_j) = (1 + s) P(A_j) - s P(A'_j), both terms already formed by the sweeps (for j = N-1, P(A_j)
 * is the head partial of the next sweep, formed one sweep early and handed over). So a trial costs
 * no GEMM of the tensor's size, where the exact residual costs one (2 R prod_k I_k flops). Below
 * {@link CpAls#CHEAP_ERROR_FLOOR}, where the cancellation would eat the digits the tolerance needs,
 * and for orders whose groups both hold two modes or more, the exact residual is used instead.
 */
final class CpLineSearch {
  private final LinearAlgebra la;
  private final CpMttkrp mttkrp;
  private final double[] x;
  private final int[] shape;
  private final int rank;
  private final double normX;
  private final int linear;
  private final double[][] before;
  private final double[] lambdaBefore;

  /** P(A'_0) of the factors the sweep started from (linear mode 0); null when not known. */
  private double[] startPartial;

  /**
   * @param x the row-major tensor (not modified) of {@code shape}, with norm {@code normX} > 0
   * @param mttkrp the MTTKRP of the fit, whose partials are reused (and the head partial preset)
   */
  CpLineSearch(LinearAlgebra la, CpMttkrp mttkrp, double[] x, int[] shape, int rank, double normX) {
    this.la = la;
    this.mttkrp = mttkrp;
    this.x = x;
    this.shape = shape;
    this.rank = rank;
    this.normX = normX;
    this.linear = mttkrp.linearMode();
    this.before = new double[shape.length][];
    this.lambdaBefore = new double[rank];
  }

  /** Keeps the factors and weights a searched sweep starts from (not modified). */
  void begin(double[][] a, double[] lambda) {
    for (int n = 0; n < a.length; n++) {
      before[n] = a[n].clone();
    }
    System.arraycopy(lambda, 0, lambdaBefore, 0, rank);
  }

  /** After a sweep without search: remembers P(A_0) for the next sweep's trial. */
  void plainSweepDone() {
    startPartial = linear == 0 ? mttkrp.linearPartial().clone() : null;
  }

  /**
   * Tries the extrapolated point after sweep {@code it} (which started from the factors given to
   * {@link #begin}) and keeps it if its error is below {@code error}. Updates {@code a}, {@code
   * lambda} and {@code grams} in place when the step is taken; returns the error of the factors
   * kept.
   */
  double step(int it, double error, double[][] a, double[] lambda, double[][] grams) {
    int order = shape.length;
    int last = order - 1;
    double s = Math.cbrt(it);
    double[][] b = new double[order][];
    double[] scale = new double[rank];
    Arrays.fill(scale, 1);
    double[] norms = new double[rank];
    double[] firstNorms = null;
    for (int n = 0; n < order; n++) {
      double[] now = a[n];
      double[] old = before[n];
      double[] f = new double[now.length];
      if (n == last) {
        for (int row = 0; row < f.length; row += rank) {
          for (int c = 0; c < rank; c++) {
            double cur = now[row + c] * lambda[c];
            double prev = old[row + c] * lambdaBefore[c];
            f[row + c] = (cur + s * (cur - prev)) * scale[c];
          }
        }
      } else {
        for (int i = 0; i < f.length; i++) {
          f[i] = now[i] + s * (now[i] - old[i]);
        }
      }
      CpAls.normalizeColumns(f, shape[n], rank, norms, n);
      if (n != last) {
        for (int c = 0; c < rank; c++) {
          scale[c] *= norms[c];
        }
      }
      if (n == 0) {
        firstNorms = norms.clone();
      }
      b[n] = f;
    }
    // b: the trial's normalized factors, norms: its weights, F_n = b_n diag(nu_n)
    double[][] trialGrams = new double[order][];
    for (int n = 0; n < order; n++) {
      trialGrams[n] = la.gram(b[n], shape[n], rank, false);
    }
    double[] partial = null;
    double[] headNow = null;
    double[] alpha = new double[rank];
    double[] beta = new double[rank];
    if (linear == 0 && startPartial != null) {
      // P(B_0) = ((1 + s) P(A_0) - s P(A'_0)) / nu_0: the tail partial of the trial
      for (int c = 0; c < rank; c++) {
        alpha[c] = (1 + s) / firstNorms[c];
        beta[c] = s / firstNorms[c];
      }
      partial = combine(mttkrp.linearPartial(), alpha, startPartial, beta);
    } else if (linear == last) {
      // P(B_L) = scale / lambda_B ((1 + s) lambda P(A_L) - s lambda' P(A'_L)): its head partial
      headNow = mttkrp.headPartialOf(a[last]);
      for (int c = 0; c < rank; c++) {
        double w = scale[c] / norms[c];
        alpha[c] = w * (1 + s) * lambda[c];
        beta[c] = w * s * lambdaBefore[c];
      }
      partial = combine(headNow, alpha, mttkrp.linearPartial(), beta);
    }
    double trial = Double.NaN;
    if (partial != null) {
      int from = linear == 0 ? 1 : 0;
      int to = linear == 0 ? order : last;
      double inner = innerWithKhatriRao(partial, b, from, to, norms);
      trial = CpAls.cheapRelativeError(normX, inner, CpAls.squaredNorm(trialGrams, norms));
    }
    boolean cheap = trial >= CpAls.CHEAP_ERROR_FLOOR && Double.isFinite(trial);
    if (!cheap) {
      trial = CpAls.exactResidual(la, x, shape, normX, b, norms, rank);
    }
    boolean take = trial < error;
    if (linear == 0) {
      startPartial = take ? (cheap ? partial : null) : mttkrp.linearPartial().clone();
    } else if (linear == last) {
      if (!take) {
        mttkrp.presetHeadPartial(headNow);
      } else if (cheap) {
        mttkrp.presetHeadPartial(partial);
      }
    }
    if (!take) {
      return error;
    }
    for (int n = 0; n < order; n++) {
      a[n] = b[n];
      grams[n] = trialGrams[n];
    }
    System.arraycopy(norms, 0, lambda, 0, rank);
    return trial;
  }

  /**
   * sum_{r, c} p[r, c] w_c KR(b_from..b_{to-1})[r, c]: the inner product &lt;X, X̂> of a CP tensor
   * with weights w from the partial p = X_h^T b_0 or X_h b_{N-1} of its remaining factor, as the
   * MTTKRP of mode to-1 from p ({@link CpMttkrp#contract}) times b_{to-1}: one pass over p.
   */
  private double innerWithKhatriRao(double[] p, double[][] b, int from, int to, double[] w) {
    int n = to - 1;
    double[] m = CpMttkrp.contract(p, b, shape, rank, from, to, n);
    double[] bn = b[n];
    double[] acc = new double[rank];
    for (int row = 0; row < m.length; row += rank) {
      for (int c = 0; c < rank; c++) {
        acc[c] += m[row + c] * bn[row + c];
      }
    }
    double inner = 0;
    for (int c = 0; c < rank; c++) {
      inner += acc[c] * w[c];
    }
    return inner;
  }

  /** p[r, c] = u[r, c] alpha_c - v[r, c] beta_c for rows of length R (a new array). */
  private double[] combine(double[] u, double[] alpha, double[] v, double[] beta) {
    double[] p = new double[u.length];
    for (int row = 0; row < p.length; row += rank) {
      for (int c = 0; c < rank; c++) {
        p[row + c] = u[row + c] * alpha[c] - v[row + c] * beta[c];
      }
    }
    return p;
  }
}
