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
    double[][] a = new double[shape.length][];
    for (int n = 0; n < shape.length; n++) {
      a[n] = t.factor(n).toArray();
    }
    double normX = x.frobeniusNorm();
    if (normX == 0 || from.iterations() == 0) {
      return normX == 0 ? from : fit(x, t.rank());
    }
    return run(x, normX, a, t.weights().clone(), from.errors());
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
    if (converged
        || (it > 0
            && stopRule != null
            && stopRule.stop(Arrays.copyOf(errors, it), maxIterations))) {
      return new Fit(toTensor(a, lambda, shape), it, error, converged, Arrays.copyOf(errors, it));
    }
    prevError = error;
    double[] v = new double[rank * rank];
    double[][] before = new double[order][];
    double[] lambdaBefore = new double[rank];
    while (it < maxIterations) {
      it++;
      boolean search = lineSearch && it > minIterations;
      if (search) {
        for (int n = 0; n < order; n++) {
          before[n] = a[n].clone();
        }
        System.arraycopy(lambda, 0, lambdaBefore, 0, rank);
      }
      double[] m = null;
      for (int n = 0; n < order; n++) {
        m = mttkrp.compute(a, n);
        a[n] = solveUpdate(hadamardOfGrams(grams, n, rank, v), m, shape[n], rank, it, shape);
        normalizeColumns(a[n], shape[n], rank, lambda, n);
        grams[n] = la.gram(a[n], shape[n], rank, false);
      }
      error = relativeError(data, shape, normX, a, lambda, grams, m, rank, v);
      if (search && Double.isFinite(error)) {
        error = extrapolate(data, shape, normX, before, lambdaBefore, a, lambda, grams, it, error);
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
      if (stopRule != null && stopRule.stop(Arrays.copyOf(errors, it), maxIterations)) {
        break;
      }
      prevError = error;
    }
    if (!converged) {
      LOG.debug(
          "CP-ALS rank {} on {} stopped after {} iterations at relative error {}",
          rank,
          Arrays.toString(shape),
          it,
          error);
    }
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

  /**
   * Line search by extrapolation (Bro 1998; Acar, Dunlavy &amp; Kolda 2011 call it "ALS with line
   * search"): with B_n the factors after the sweep and B'_n those before it (lambda folded into the
   * last mode), tries B_n + s (B_n - B'_n) with s = it^(1/3) and keeps it only if its exact
   * relative error is below the sweep's, so the error never grows. Costs one GEMM of I_0 x R x
   * prod_{k>0} I_k per sweep. Updates {@code a}, {@code lambda} and {@code grams} in place when the
   * step is taken; returns the error of the factors kept.
   */
  private double extrapolate(
      double[] x,
      int[] shape,
      double normX,
      double[][] before,
      double[] lambdaBefore,
      double[][] a,
      double[] lambda,
      double[][] grams,
      int it,
      double error) {
    int order = shape.length;
    int rank = lambda.length;
    double step = Math.cbrt(it);
    double[][] b = new double[order][];
    double[] scale = new double[rank];
    Arrays.fill(scale, 1);
    double[] norms = new double[rank];
    for (int n = 0; n < order; n++) {
      double[] now = a[n];
      double[] old = before[n];
      double[] f = new double[now.length];
      boolean last = n == order - 1;
      for (int i = 0; i < now.length; i++) {
        int c = i % rank;
        double cur = last ? now[i] * lambda[c] : now[i];
        double prev = last ? old[i] * lambdaBefore[c] : old[i];
        f[i] = cur + step * (cur - prev);
      }
      if (last) {
        for (int i = 0; i < f.length; i++) {
          f[i] *= scale[i % rank];
        }
      }
      normalizeColumns(f, shape[n], rank, norms, n);
      if (!last) {
        for (int c = 0; c < rank; c++) {
          scale[c] *= norms[c];
        }
      }
      b[n] = f;
    }
    double trial = exactResidual(x, shape, normX, b, norms, rank);
    if (!(trial < error)) {
      return error;
    }
    for (int n = 0; n < order; n++) {
      a[n] = b[n];
      grams[n] = la.gram(a[n], shape[n], rank, false);
    }
    System.arraycopy(norms, 0, lambda, 0, rank);
    return trial;
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

  /** Divides each column by its 2-norm, stored in lambda; a zero column becomes a unit vector. */
  private static void normalizeColumns(double[] f, int rows, int rank, double[] lambda, int mode) {
    for (int c = 0; c < rank; c++) {
      double s = 0;
      for (int i = 0; i < rows; i++) {
        s += f[i * rank + c] * f[i * rank + c];
      }
      double norm = Math.sqrt(s);
      if (norm > 0 && Double.isFinite(norm)) {
        for (int i = 0; i < rows; i++) {
          f[i * rank + c] /= norm;
        }
      } else if (rows > 0 && norm == 0) {
        f[((c + mode) % rows) * rank + c] = 1;
      }
      lambda[c] = norm;
    }
  }

  /**
   * ||X - X̂|| / ||X|| from ||X||^2 - 2 &lt;X, X̂> + ||X̂||^2, with &lt;X, X̂> = sum M ∗ A_{N-1}
   * lambda (M the last MTTKRP) and ||X̂||^2 = lambda^T (∗_k A_k^T A_k) lambda; below 1e-5 the
   * cancellation dominates, so the exact residual is computed instead.
   */
  private double relativeError(
      double[] x,
      int[] shape,
      double normX,
      double[][] a,
      double[] lambda,
      double[][] grams,
      double[] m,
      int rank,
      double[] work) {
    int last = shape.length - 1;
    double inner = 0;
    double[] al = a[last];
    for (int i = 0; i < shape[last]; i++) {
      for (int c = 0; c < rank; c++) {
        inner += m[i * rank + c] * al[i * rank + c] * lambda[c];
      }
    }
    double[] v = hadamardOfGrams(grams, -1, rank, work);
    if (ridge > 0) {
      for (int c = 0; c < rank; c++) {
        v[c * rank + c] -= ridge;
      }
    }
    double normHat2 = 0;
    for (int c = 0; c < rank; c++) {
      for (int e = 0; e < rank; e++) {
        normHat2 += lambda[c] * lambda[e] * v[c * rank + e];
      }
    }
    double err2 = normX * normX - 2 * inner + normHat2;
    double rel = Math.sqrt(Math.max(err2, 0)) / normX;
    if (Double.isFinite(rel) && rel < 1e-5) {
      return exactResidual(x, shape, normX, a, lambda, rank);
    }
    return rel;
  }

  /** ||X - (A_0 diag(lambda)) KR(A_1..A_{N-1})^T|| / ||X|| with one GEMM. */
  private double exactResidual(
      double[] x, int[] shape, double normX, double[][] a, double[] lambda, int rank) {
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
     * when it lowers the error (default off; see {@link CpAls#extrapolate}).
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
