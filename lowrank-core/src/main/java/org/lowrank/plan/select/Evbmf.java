package org.lowrank.plan.select;

/**
 * Analytic empirical variational Bayesian matrix factorization (EVBMF, Nakajima, Sugiyama, Babacan
 * and Tomioka, JMLR 2013): estimates the noise variance of an L x M matrix (L <= M) from its
 * singular values and keeps the components above the EVB threshold.
 *
 * <p>With alpha = L/M and tau_bar = 2.5129 sqrt(alpha), the noise variance sigma^2 minimizes
 * Omega(sigma^2) = sum_h psi(gamma_h^2 / (M sigma^2)), psi(x) = x - ln x + [x > x_bar]
 * (ln(tau(x)+1) + alpha ln(tau(x)/alpha + 1) - tau(x)), x_bar = (1 + tau_bar)(1 + alpha / tau_bar),
 * tau(x) = (x - 1 - alpha + sqrt((x - 1 - alpha)^2 - 4 alpha)) / 2; components with gamma_h >
 * sqrt(M sigma^2 x_bar) are kept. The 1-D minimization is a log-spaced grid search refined by
 * golden sections.
 */
public final class Evbmf {
  private static final double TAU_FACTOR = 2.5129;

  private Evbmf() {}

  /** Result: the estimated rank (possibly 0) and noise variance. */
  public record Result(int rank, double noiseVariance, double threshold) {}

  /**
   * @param singularValues the singular values of the matrix, non-increasing
   * @param rows L, the smaller dimension
   * @param cols M, the larger dimension
   */
  public static Result estimate(double[] singularValues, int rows, int cols) {
    int l = Math.min(rows, cols);
    int m = Math.max(rows, cols);
    if (singularValues.length == 0 || singularValues.length > l) {
      throw new IllegalArgumentException(
          "EVBMF needs between 1 and " + l + " singular values, found " + singularValues.length);
    }
    double alpha = (double) l / m;
    double tauBar = TAU_FACTOR * Math.sqrt(alpha);
    double xBar = (1 + tauBar) * (1 + alpha / tauBar);
    double sumSq = 0;
    for (double s : singularValues) {
      sumSq += s * s;
    }
    if (sumSq == 0) {
      return new Result(0, 0, 0);
    }
    int h = singularValues.length;
    // Bounds of the search (Nakajima et al., Theorem 11): sigma^2 within [lower, upper].
    int ehUb = Math.min((int) Math.ceil(l / (1 + alpha)), h) - 1;
    double upper = sumSq / ((double) l * m);
    double tailSq = 0;
    int tail = 0;
    for (int i = Math.max(ehUb + 1, 0); i < h; i++) {
      tailSq += singularValues[i] * singularValues[i];
      tail++;
    }
    double lower = 0;
    if (ehUb + 1 < h) {
      double s = singularValues[ehUb + 1];
      lower = Math.max(s * s / (m * xBar), tail == 0 ? 0 : tailSq / tail / m);
    }
    lower = Math.max(lower, upper * 1e-12);
    if (lower >= upper) {
      lower = upper * 1e-6;
    }
    double best = lower;
    double bestVal = Double.POSITIVE_INFINITY;
    int grid = 200;
    double logLo = Math.log(lower);
    double logHi = Math.log(upper);
    for (int i = 0; i <= grid; i++) {
      double s2 = Math.exp(logLo + (logHi - logLo) * i / grid);
      double v = objective(singularValues, s2, m, alpha, xBar);
      if (v < bestVal) {
        bestVal = v;
        best = s2;
      }
    }
    // golden-section refinement in log space around the best grid point
    double step = (logHi - logLo) / grid;
    double a = Math.log(best) - step;
    double b = Math.log(best) + step;
    double g = (Math.sqrt(5) - 1) / 2;
    for (int it = 0; it < 60; it++) {
      double c = b - g * (b - a);
      double d = a + g * (b - a);
      if (objective(singularValues, Math.exp(c), m, alpha, xBar)
          < objective(singularValues, Math.exp(d), m, alpha, xBar)) {
        b = d;
      } else {
        a = c;
      }
    }
    double sigma2 = Math.exp((a + b) / 2);
    if (objective(singularValues, sigma2, m, alpha, xBar) > bestVal) {
      sigma2 = best;
    }
    double threshold = Math.sqrt(m * sigma2 * xBar);
    int rank = 0;
    while (rank < h && singularValues[rank] > threshold) {
      rank++;
    }
    return new Result(rank, sigma2, threshold);
  }

  private static double objective(double[] s, double sigma2, int m, double alpha, double xBar) {
    double total = 0;
    for (double g : s) {
      double x = g * g / (m * sigma2);
      if (x <= 0) {
        continue; // an exact zero singular value carries no information
      }
      total += x - Math.log(x);
      if (x > xBar) {
        double t = tau(x, alpha);
        total += Math.log(t + 1) + alpha * Math.log(t / alpha + 1) - t;
      }
    }
    return total;
  }

  private static double tau(double x, double alpha) {
    double b = x - (1 + alpha);
    return 0.5 * (b + Math.sqrt(Math.max(b * b - 4 * alpha, 0)));
  }
}
