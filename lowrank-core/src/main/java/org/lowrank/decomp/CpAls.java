package org.lowrank.decomp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.LinearAlgebraException;
import org.lowrank.tensor.DenseTensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CP decomposition by alternating least squares (Kolda &amp; Bader 2009, Fig. 3.3) for tensors of
 * any order N >= 2. Each sweep updates A_n = X_(n) (⊙_{k != n} A_k) V^+ with V = ∗_{k != n} A_k^T
 * A_k (+ ridge I), then normalizes the columns of A_n into lambda. The MTTKRPs X_(n) (⊙ A_k) come
 * from the two partial products of a dimension tree ({@link CpMttkrp}): two GEMMs per sweep (4 R
 * prod_k I_k flops) whatever the order and mode sizes, no Khatri-Rao product of N-1 modes, native
 * work buffers reused across sweeps.
 *
 * <p>Stops when the relative error changes by less than the tolerance (or by less than the relative
 * tolerance times itself) between sweeps, after at least minIterations sweeps (error from the cheap
 * inner-product formula, switched to the exact residual once it falls below 1e-5), when a {@link
 * StopRule} says so, or after maxIterations sweeps. Non-finite factors, a singular normal system or
 * a growing error raise a {@link ConvergenceException} naming the iteration and suggesting a ridge
 * or a lower rank.
 */
public final class CpAls implements Factorizer<CpTensor> {
  private static final Logger LOG = LoggerFactory.getLogger(CpAls.class);
  private static final String NAME = "CpAls";

  /**
   * Below this relative error the inner-product formula e^2 = ||X||^2 - 2 &lt;X, X̂> + ||X̂||^2
   * loses to cancellation the digits the tolerances need (e^2 ~ 1e-10 ||X||^2 keeps about 6), so
   * the exact residual is computed instead.
   */
  static final double CHEAP_ERROR_FLOOR = 1e-5;

  /** Initialization of the factors. */
  public enum Init {
    /**
     * A_n = leading R left singular vectors of X_(n), seeded Gaussian columns beyond I_n (default).
     */
    SVD,
    /** Seeded standard Gaussian factors. */
    RANDOM
  }

  /**
   * A fitted CP tensor with its diagnostics: the sweeps run, the relative error after each of them
   * ({@code errors}, length {@code iterations}) and whether the tolerance stopped it.
   */
  public record Fit(
      CpTensor tensor, int iterations, double relativeError, boolean converged, double[] errors) {
    public Fit {
      errors = errors.clone();
    }

    @Override
    public double[] errors() {
      return errors.clone();
    }
  }

  /**
   * An early stop consulted after every sweep that did not converge, e.g. a rank search that stops
   * once the fit can no longer reach its threshold ({@code converged} is then false).
   */
  @FunctionalInterface
  public interface StopRule {
    /**
     * @param errors the relative errors after sweeps 1..n (length n; not to be modified)
     * @param maxSweeps the sweep cap of the fit
     * @return true to stop after sweep n
     */
    boolean stop(double[] errors, int maxSweeps);
  }

  private final LinearAlgebra la;
  private final Init init;
  private final long seed;
  private final double tolerance;
  private final double relativeTolerance;
  private final int minIterations;
  private final int maxIterations;
  private final double ridge;
  private final StopRule stopRule;
  private final boolean lineSearch;
  private final CpFits fits;

  private CpAls(Builder b) {
    this.la = b.la;
    this.init = b.init;
    this.seed = b.seed;
    this.tolerance = b.tolerance;
    this.relativeTolerance = b.relativeTolerance;
    this.minIterations = b.minIterations;
    this.maxIterations = b.maxIterations;
    this.ridge = b.ridge;
    this.stopRule = b.stopRule;
    this.lineSearch = b.lineSearch;
    this.fits = b.fits;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Defaults: SVD init, seed 0, tolerance 1e-8, no relative tolerance, 500 iterations, no ridge, no
   * stop rule.
   */
  public static CpAls create() {
    return builder().build();
  }

  /** {@code ranks} is the single CP rank R, in 1..min_n prod_{k != n} I_k. */
  @Override
  public CpTensor factorize(DenseTensor x, int... ranks) {
    Checks.requireRankCount(NAME, ranks, 1, "the CP rank R");
    return fit(x, ranks[0]).tensor();
  }

  /** Largest accepted CP rank for a shape: min_n prod_{k != n} I_k (enough for an exact fit). */
  public static int maxRank(int[] shape) {
    long total = Checks.product(shape);
    long best = Long.MAX_VALUE;
    for (int s : shape) {
      best = Math.min(best, s == 0 ? 0 : total / s);
    }
    return Checks.clampToInt(best);
  }

  /** R sum_k I_k (weights folded into a factor). */
  public static long parameterCount(int[] shape, int rank) {
    return CpTensor.parameterCount(shape, rank);
  }

  /** Fits a rank-R CP tensor and reports iterations and the final relative error. */
  public Fit fit(DenseTensor x, int rank) {
    Checks.requireOrder(NAME, x, 2, Integer.MAX_VALUE);
    int[] shape = x.shape();
    Checks.requireRank(NAME, "CP rank", rank, maxRank(shape), shape);
    Checks.requireFinite(NAME, x);
    int order = shape.length;
    double normX = x.frobeniusNorm();
    double[][] a = initialFactors(x, rank);
    double[] lambda = new double[rank];
    Arrays.fill(lambda, 1);
    for (int n = 0; n < order; n++) {
      normalizeColumns(a[n], shape[n], rank, lambda, n);
    }
    if (normX == 0) {
      Arrays.fill(lambda, 0);
      return new Fit(toTensor(a, lambda, shape), 0, 0, true, new double[0]);
    }
    return run(x, normX, a, lambda, new double[0]);
  }

  /**
   * Continues {@code from}, a fit of the same {@code x} by a CpAls with the same initialization and
   * seed, under this one's settings: the result is the one {@link #fit} gives running every sweep
   * itself, provided the sweeps {@code from} ran are ones this fit runs alike (plain ALS: with line
   * search, at most {@code minIterations} of them). Sweep {@code from.iterations()} is judged by
   * this fit's stop tests first, so a {@code from} this fit would have stopped at is returned as it
   * is. Used to deploy a CP rank the energy selector already scored with its first sweeps.
   *
   * @throws IllegalArgumentException if {@code from} does not match {@code x}'s shape, or ran line
   *     search sweeps this fit would not
   */
  public Fit resume(DenseTensor x, Fit from) {
    int[] shape = x.shape();
    CpTensor t = from.tensor();
    if (!Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          NAME
              + ": a fit of shape "
              + Arrays.toString(t.shape())
              + " cannot continue on shape "
              + Arrays.toString(shape));
    }
    if (lineSearch && from.iterations() > minIterations) {
      throw new IllegalArgumentException(
          NAME
              + ": a fit of "
              + from.iterations()
              + " sweeps cannot continue one that searches after "
              + minIterations);
    }
    Checks.requireFinite(NAME, x);
    double normX = x.frobeniusNorm();
    if (normX == 0 || from.iterations() == 0) {
      return normX == 0 ? from : fit(x, t.rank());
    }
    double[][] a = new double[shape.length][];
    for (int n = 0; n < shape.length; n++) {
      a[n] = t.factor(n).toArray();
    }
    return run(x, normX, a, t.weights(), from.errors());
  }

  /** Sweeps from factors {@code a} (columns normalized into {@code lambda}) after {@code done}. */
  private Fit run(DenseTensor x, double normX, double[][] a, double[] lambda, double[] done) {
    int[] shape = x.shape();
    int rank = lambda.length;
    double[][] grams = new double[shape.length][];
    for (int n = 0; n < shape.length; n++) {
      grams[n] = la.gram(a[n], shape[n], rank, false);
    }
    double[] data = x.toArray();
    try (CpMttkrp mttkrp = new CpMttkrp(la, data, shape, rank)) {
      return iterate(x, data, mttkrp, normX, a, lambda, grams, rank, done);
    }
  }

  private Fit iterate(
      DenseTensor x,
      double[] data,
      CpMttkrp mttkrp,
      double normX,
      double[][] a,
      double[] lambda,
      double[][] grams,
      int rank,
      double[] done) {
    int[] shape = x.shape();
    int order = shape.length;
    int it = done.length;
    double firstError = it > 0 ? done[0] : Double.NaN;
    double prevError = it > 1 ? done[it - 2] : Double.NaN;
    double error = it > 0 ? done[it - 1] : Double.NaN;
    double[] errors = Arrays.copyOf(done, Math.max(maxIterations, it));
    boolean converged = it > 0 && stopsAfter(it, prevError, error);
    if (converged || (it > 0 && ruleStops(errors, it))) {
      return new Fit(toTensor(a, lambda, shape), it, error, converged, Arrays.copyOf(errors, it));
    }
    prevError = error;
    double[] v = new double[rank * rank];
    CpLineSearch ls = lineSearch ? new CpLineSearch(la, mttkrp, data, shape, rank, normX) : null;
    if (ls != null && it == minIterations && mttkrp.linearMode() == 0) {
      // continuing after the last plain sweep: the search of the next one starts from P(A_0) of
      // this one, formed by the same GEMM as the sweep formed it
      mttkrp.compute(a, 1);
      ls.plainSweepDone();
    }
    while (it < maxIterations) {
      it++;
      boolean search = ls != null && it > minIterations;
      if (search) {
        ls.begin(a, lambda);
      }
      double[] m = null;
      for (int n = 0; n < order; n++) {
        m = mttkrp.compute(a, n);
        a[n] = solveUpdate(hadamardOfGrams(grams, n, rank, v), m, shape[n], rank, it, shape);
        normalizeColumns(a[n], shape[n], rank, lambda, n);
        grams[n] = la.gram(a[n], shape[n], rank, false);
      }
      error = relativeError(data, shape, normX, a, lambda, grams, m, rank);
      if (search && Double.isFinite(error)) {
        error = ls.step(it, error, a, lambda, grams);
      } else if (ls != null && it == minIterations) {
        ls.plainSweepDone();
      }
      if (!Double.isFinite(error)) {
        throw new ConvergenceException(
            NAME
                + ": rank "
                + rank
                + " on shape "
                + Arrays.toString(shape)
                + " produced non-finite factors at iteration "
                + it
                + "; use optRidge(1e-6) or a lower rank, or Init.SVD");
      }
      if (it == 1) {
        firstError = error;
      } else if (error > Math.max(10 * firstError, 1e3)) {
        throw new ConvergenceException(
            NAME
                + ": rank "
                + rank
                + " on shape "
                + Arrays.toString(shape)
                + " diverged at iteration "
                + it
                + " (relative error "
                + error
                + ", first iteration "
                + firstError
                + "); use optRidge(1e-6) or a lower rank");
      }
      LOG.debug("CP-ALS iteration {}: relative error {}", it, error);
      errors[it - 1] = error;
      if (stopsAfter(it, prevError, error)) {
        converged = true;
        break;
      }
      if (ruleStops(errors, it)) {
        break;
      }
      prevError = error;
    }
    LOG.debug(
        "CP-ALS rank {} on {} {} after {} iterations at relative error {}",
        rank,
        Arrays.toString(shape),
        converged ? "converged" : "stopped",
        it,
        error);
    return new Fit(toTensor(a, lambda, shape), it, error, converged, Arrays.copyOf(errors, it));
  }

  /**
   * The tolerance test after sweep {@code it}: error {@code error}, the sweep before {@code prev}.
   */
  private boolean stopsAfter(int it, double prev, double error) {
    double change = Math.abs(prev - error);
    return it >= minIterations
        && (change < tolerance || change < relativeTolerance * error || error < 1e-14);
  }

  /** Whether the {@link StopRule} (if any) stops the fit after the first {@code it} errors. */
  private boolean ruleStops(double[] errors, int it) {
    return stopRule != null && stopRule.stop(Arrays.copyOf(errors, it), maxIterations);
  }

  // ------------------------------------------------------------------ steps

  private double[][] initialFactors(DenseTensor x, int rank) {
    int[] shape = x.shape();
    Random rnd = new Random(seed);
    double[][] a = new double[shape.length][];
    for (int n = 0; n < shape.length; n++) {
      int rows = shape[n];
      double[] f = new double[rows * rank];
      int fromSvd = 0;
      if (init == Init.SVD && rows > 0) {
        int needed = Math.min(rank, rows);
        LeftSpectrum sp =
            fits == null
                ? LeftSpectrum.ofMode(la, x, n, false, needed)
                : fits.startSpectrum(la, x, n, needed);
        fromSvd = Math.min(rank, sp.available());
        double[] u = sp.leading(fromSvd);
        for (int i = 0; i < rows; i++) {
          System.arraycopy(u, i * fromSvd, f, i * rank, fromSvd);
        }
      }
      for (int i = 0; i < rows; i++) {
        for (int c = fromSvd; c < rank; c++) {
          f[i * rank + c] = rnd.nextGaussian();
        }
      }
      a[n] = f;
    }
    return a;
  }

  /**
   * V = ∗_{k != skip} G_k (+ ridge I), R x R, written into {@code v} (modified; a work buffer
   * reused across sweeps): the first Gram is copied, the others multiplied in place.
   */
  private double[] hadamardOfGrams(double[][] grams, int skip, int rank, double[] v) {
    boolean first = true;
    for (int k = 0; k < grams.length; k++) {
      if (k != skip) {
        if (first) {
          System.arraycopy(grams[k], 0, v, 0, v.length);
          first = false;
        } else {
          double[] g = grams[k];
          for (int i = 0; i < v.length; i++) {
            v[i] *= g[i];
          }
        }
      }
    }
    if (first) {
      Arrays.fill(v, 1);
    }
    if (ridge > 0) {
      for (int c = 0; c < rank; c++) {
        v[c * rank + c] += ridge;
      }
    }
    return v;
  }

  /** A_n = M V^{-1} (V symmetric, M the I_n x R MTTKRP): one Cholesky solve, no transposes. */
  private double[] solveUpdate(double[] v, double[] m, int rows, int rank, int it, int[] shape) {
    try {
      return la.solveSymmetricRight(v, rank, m, rows);
    } catch (LinearAlgebraException e) {
      throw new ConvergenceException(
          NAME
              + ": rank "
              + rank
              + " on shape "
              + Arrays.toString(shape)
              + ": singular normal equations at iteration "
              + it
              + " ("
              + e.getMessage()
              + "); use optRidge(1e-6) or a lower rank",
          e);
    }
  }

  /**
   * Divides each column of the rows x R matrix f (modified) by its 2-norm, stored in lambda
   * (modified); a zero column becomes a unit vector. Row by row, so the sums run in the same order
   * as column by column.
   */
  static void normalizeColumns(double[] f, int rows, int rank, double[] lambda, int mode) {
    Arrays.fill(lambda, 0, rank, 0);
    for (int row = 0; row < rows * rank; row += rank) {
      for (int c = 0; c < rank; c++) {
        lambda[c] += f[row + c] * f[row + c];
      }
    }
    // a column that is not divided gets the divisor 1, which leaves every value as it is
    double[] divisor = new double[rank];
    for (int c = 0; c < rank; c++) {
      double norm = Math.sqrt(lambda[c]);
      lambda[c] = norm;
      divisor[c] = norm > 0 && Double.isFinite(norm) ? norm : 1;
    }
    for (int row = 0; row < rows * rank; row += rank) {
      for (int c = 0; c < rank; c++) {
        f[row + c] /= divisor[c];
      }
    }
    for (int c = 0; c < rank; c++) {
      if (rows > 0 && lambda[c] == 0) {
        f[((c + mode) % rows) * rank + c] = 1;
      }
    }
  }

  /**
   * ||X - X̂|| / ||X|| from ||X||^2 - 2 &lt;X, X̂> + ||X̂||^2, with &lt;X, X̂> = sum M ∗ A_{N-1}
   * lambda (M the last MTTKRP) and ||X̂||^2 = lambda^T (∗_k A_k^T A_k) lambda; below {@link
   * #CHEAP_ERROR_FLOOR} the cancellation dominates, so the exact residual is computed instead.
   */
  private double relativeError(
      double[] x,
      int[] shape,
      double normX,
      double[][] a,
      double[] lambda,
      double[][] grams,
      double[] m,
      int rank) {
    int last = shape.length - 1;
    double inner = 0;
    double[] al = a[last];
    for (int i = 0; i < shape[last]; i++) {
      for (int c = 0; c < rank; c++) {
        inner += m[i * rank + c] * al[i * rank + c] * lambda[c];
      }
    }
    double rel = cheapRelativeError(normX, inner, squaredNorm(grams, lambda));
    if (Double.isFinite(rel) && rel < CHEAP_ERROR_FLOOR) {
      return exactResidual(la, x, shape, normX, a, lambda, rank);
    }
    return rel;
  }

  /** sqrt(max(||X||^2 - 2 inner + normHat2, 0)) / ||X||. */
  static double cheapRelativeError(double normX, double inner, double normHat2) {
    double err2 = normX * normX - 2 * inner + normHat2;
    return Math.sqrt(Math.max(err2, 0)) / normX;
  }

  /**
   * ||X̂||^2 = lambda^T (∗_k G_k) lambda of a CP tensor from the Grams G_k = A_k^T A_k (R x R, not
   * modified) of its factors and its weights lambda: O(N R^2).
   */
  static double squaredNorm(double[][] grams, double[] lambda) {
    int rank = lambda.length;
    double[] v = grams[0].clone();
    for (int k = 1; k < grams.length; k++) {
      double[] g = grams[k];
      for (int i = 0; i < v.length; i++) {
        v[i] *= g[i];
      }
    }
    double normHat2 = 0;
    for (int c = 0; c < rank; c++) {
      for (int e = 0; e < rank; e++) {
        normHat2 += lambda[c] * lambda[e] * v[c * rank + e];
      }
    }
    return normHat2;
  }

  /**
   * ||X - (A_0 diag(lambda)) KR(A_1..A_{N-1})^T|| / ||X|| with one GEMM (I_0 x R x prod_{k>0} I_k)
   * on the row-major tensor x (not modified) of the given shape.
   */
  static double exactResidual(
      LinearAlgebra la,
      double[] x,
      int[] shape,
      double normX,
      double[][] a,
      double[] lambda,
      int rank) {
    int i0 = shape[0];
    double[] a0 = a[0].clone();
    for (int i = 0; i < a0.length; i++) {
      a0[i] *= lambda[i % rank];
    }
    double[] kr = CpMttkrp.khatriRao(a, shape, 1, shape.length, rank);
    int rest = kr.length / rank;
    double[] r = x.clone();
    la.gemm(false, true, i0, rest, rank, -1.0, a0, kr, 1.0, r);
    return DenseTensor.of(r, r.length).frobeniusNorm() / normX;
  }

  private static CpTensor toTensor(double[][] a, double[] lambda, int[] shape) {
    List<DenseTensor> f = new ArrayList<>();
    for (int n = 0; n < shape.length; n++) {
      f.add(DenseTensor.of(a[n], shape[n], lambda.length));
    }
    return new CpTensor(lambda, f);
  }

  /** Builder: all options optional. */
  public static final class Builder {
    private LinearAlgebra la = LinearAlgebra.defaultInstance();
    private Init init = Init.SVD;
    private long seed;
    private CpFits fits;
    private double tolerance = 1e-8;
    private double relativeTolerance;
    private int minIterations = 1;
    private int maxIterations = 500;
    private double ridge;
    private StopRule stopRule;
    private boolean lineSearch;

    private Builder() {}

    /**
     * After the first minIterations sweeps, try an extrapolation step after each sweep and keep it
     * when it lowers the error (default off; the step is described in {@code CpLineSearch}).
     */
    public Builder optLineSearch(boolean lineSearch) {
      this.lineSearch = lineSearch;
      return this;
    }

    public Builder optLinearAlgebra(LinearAlgebra la) {
      this.la = Objects.requireNonNull(la);
      return this;
    }

    public Builder optInit(Init init) {
      this.init = Objects.requireNonNull(init);
      return this;
    }

    /** Seed of the random initialization (and of the random columns of the SVD init). */
    /**
     * Where the SVD start's unfolding spectra are shared between fits of the same tensor (default
     * none; the start is the same bit for bit, see {@link CpFits#startSpectrum}).
     */
    public Builder optFits(CpFits fits) {
      this.fits = fits;
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Stop when the relative error changes by less than this between sweeps (default 1e-8). */
    public Builder optTolerance(double tolerance) {
      if (!(tolerance >= 0)) {
        throw new IllegalArgumentException(NAME + ": tolerance must be >= 0, got " + tolerance);
      }
      this.tolerance = tolerance;
      return this;
    }

    /**
     * Also stop when the relative error e changes by less than {@code relativeTolerance * e}
     * between sweeps (default 0: off).
     */
    public Builder optRelativeTolerance(double relativeTolerance) {
      if (!(relativeTolerance >= 0)) {
        throw new IllegalArgumentException(
            NAME + ": relative tolerance must be >= 0, got " + relativeTolerance);
      }
      this.relativeTolerance = relativeTolerance;
      return this;
    }

    /**
     * Run at least this many sweeps before a tolerance may stop the fit (default 1), e.g. so a fit
     * keeps at least the energy a shorter fit from the same start scored (ALS never loses fit).
     */
    public Builder optMinIterations(int minIterations) {
      if (minIterations < 1) {
        throw new IllegalArgumentException(
            NAME + ": minIterations must be >= 1, got " + minIterations);
      }
      this.minIterations = minIterations;
      return this;
    }

    /** An early stop consulted after each sweep (default none). */
    public Builder optStopRule(StopRule stopRule) {
      this.stopRule = stopRule;
      return this;
    }

    /** Maximum ALS sweeps (default 500). */
    public Builder optMaxIterations(int maxIterations) {
      if (maxIterations < 1) {
        throw new IllegalArgumentException(
            NAME + ": maxIterations must be >= 1, got " + maxIterations);
      }
      this.maxIterations = maxIterations;
      return this;
    }

    /** Tikhonov term added to the diagonal of the normal equations (default 0). */
    public Builder optRidge(double ridge) {
      if (!(ridge >= 0)) {
        throw new IllegalArgumentException(NAME + ": ridge must be >= 0, got " + ridge);
      }
      this.ridge = ridge;
      return this;
    }

    public CpAls build() {
      return new CpAls(this);
    }
  }
}
