package org.lowrank.decomp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tucker decomposition X ~ G ×_{k in S} U_k over all modes or a subset S (partial Tucker;
 * unfactored modes keep their full size in the core), by HOSVD (De Lathauwer et al. 2000: U_k =
 * leading r_k left singular vectors of X_(k), G = X ×_k U_k^T) or HOOI (higher-order orthogonal
 * iteration, started from HOSVD: U_k = leading vectors of (X ×_{j != k} U_j^T)_(k), repeated until
 * the relative error sqrt(||X||^2 - ||G||^2) / ||X|| changes by less than the tolerance between
 * sweeps). Factors have orthonormal columns, so ||X - X̂||^2 = ||X||^2 - ||G||^2.
 */
public final class Tucker implements Factorizer<TuckerTensor> {
  private static final Logger LOG = LoggerFactory.getLogger(Tucker.class);
  private static final String NAME = "Tucker";

  /** HOSVD (one pass) or HOOI (alternating refinement, lower error). */
  public enum Method {
    HOSVD,
    HOOI
  }

  private final LinearAlgebra la;
  private final Method method;
  private final int[] modes;
  private final int maxIterations;
  private final double tolerance;
  private final boolean exactSvd;

  private Tucker(Builder b) {
    this.la = b.la;
    this.method = b.method;
    this.modes = b.modes;
    this.maxIterations = b.maxIterations;
    this.tolerance = b.tolerance;
    this.exactSvd = b.exactSvd;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param ranks r_k for each factored mode (in increasing mode order), each in 1..min(I_k, prod_{j
   *     != k} I_j)
   */
  @Override
  public TuckerTensor factorize(DenseTensor x, int... ranks) {
    int[] s = resolveModes(x);
    Checks.requireRankCount(NAME, ranks, s.length, "one per factored mode " + Arrays.toString(s));
    int[] shape = x.shape();
    for (int t = 0; t < s.length; t++) {
      int k = s[t];
      long others = Checks.product(shape) / Math.max(1, shape[k]);
      Checks.requireRank(
          NAME,
          "rank of mode " + k,
          ranks[t],
          Checks.clampToInt(Math.min(shape[k], others)),
          shape);
    }
    Checks.requireFinite(NAME, x);
    List<DenseTensor> u = new ArrayList<>();
    for (int t = 0; t < s.length; t++) {
      u.add(leading(x, s[t], ranks[t]));
    }
    DenseTensor core = project(x, s, u, -1);
    if (method == Method.HOOI) {
      double normX = x.frobeniusNorm();
      double prev = errorFromCore(normX, core);
      for (int it = 1; it <= maxIterations; it++) {
        DenseTensor y = x;
        for (int t = 0; t < s.length; t++) {
          y = project(x, s, u, t);
          u.set(t, leading(y, s[t], ranks[t]));
        }
        // y has every factored mode but the last projected: finish the core from it.
        int last = s.length - 1;
        core = y.modeProduct(u.get(last).transpose(), s[last], la);
        double err = errorFromCore(normX, core);
        LOG.debug("HOOI iteration {}: relative error {}", it, err);
        if (Math.abs(prev - err) <= tolerance) {
          break;
        }
        prev = err;
      }
    }
    return new TuckerTensor(core, s, u);
  }

  /** Core plus factors; see {@link TuckerTensor#parameterCount(int[], int[], int[])}. */
  public static long parameterCount(int[] shape, int[] modes, int[] ranks) {
    return TuckerTensor.parameterCount(shape, modes, ranks);
  }

  /** sqrt(|‖X‖² - ‖G‖²|) / ‖X‖, exact for orthonormal factors (0 for a zero tensor). */
  private static double errorFromCore(double normX, DenseTensor core) {
    if (normX == 0) {
      return 0;
    }
    double g = core.frobeniusNorm() / normX;
    return Math.sqrt(Math.abs(1 - g * g));
  }

  private DenseTensor leading(DenseTensor y, int mode, int r) {
    LeftSpectrum sp = LeftSpectrum.ofMode(la, y, mode, exactSvd, r);
    return DenseTensor.of(sp.leading(r), y.dim(mode), r);
  }

  /** X ×_k U_k^T over the factored modes except position {@code skip}. */
  private DenseTensor project(DenseTensor x, int[] s, List<DenseTensor> u, int skip) {
    // Shrink the mode with the largest reduction first: cheaper subsequent products.
    Integer[] order = new Integer[s.length];
    for (int t = 0; t < s.length; t++) {
      order[t] = t;
    }
    Arrays.sort(
        order,
        (p, q) ->
            Double.compare(
                (double) u.get(p).dim(1) / u.get(p).dim(0),
                (double) u.get(q).dim(1) / u.get(q).dim(0)));
    DenseTensor y = x;
    for (int t : order) {
      if (t != skip) {
        y = y.modeProduct(u.get(t).transpose(), s[t], la);
      }
    }
    return y;
  }

  private int[] resolveModes(DenseTensor x) {
    if (modes == null) {
      int[] all = new int[x.order()];
      for (int k = 0; k < all.length; k++) {
        all[k] = k;
      }
      return all;
    }
    for (int t = 0; t < modes.length; t++) {
      if (modes[t] >= x.order()) {
        throw new IllegalArgumentException(
            NAME
                + ": factored mode "
                + modes[t]
                + " does not exist in shape "
                + Arrays.toString(x.shape()));
      }
    }
    return modes;
  }

  /**
   * Builder: all options optional (default HOOI over all modes, at most 100 sweeps, tolerance 1e-4:
   * the TensorLy defaults).
   */
  public static final class Builder {
    private LinearAlgebra la = LinearAlgebra.defaultInstance();
    private Method method = Method.HOOI;
    private int[] modes;
    private int maxIterations = 100;
    private double tolerance = 1e-4;
    private boolean exactSvd;

    private Builder() {}

    public Builder optLinearAlgebra(LinearAlgebra la) {
      this.la = Objects.requireNonNull(la);
      return this;
    }

    public Builder optMethod(Method method) {
      this.method = Objects.requireNonNull(method);
      return this;
    }

    /** Factor only these modes (partial Tucker), e.g. {0, 1} for Tucker-2 of a conv kernel. */
    public Builder optModes(int... modes) {
      int[] m = modes.clone();
      Arrays.sort(m);
      for (int t = 0; t < m.length; t++) {
        if (m[t] < 0 || (t > 0 && m[t] == m[t - 1])) {
          throw new IllegalArgumentException(
              NAME + ": modes must be distinct and >= 0, got " + Arrays.toString(modes));
        }
      }
      if (m.length == 0) {
        throw new IllegalArgumentException(NAME + ": at least one mode must be factored");
      }
      this.modes = m;
      return this;
    }

    /** HOOI sweeps after the HOSVD start (default 100). */
    public Builder optMaxIterations(int maxIterations) {
      if (maxIterations < 0) {
        throw new IllegalArgumentException(
            NAME + ": maxIterations must be >= 0, got " + maxIterations);
      }
      this.maxIterations = maxIterations;
      return this;
    }

    /** HOOI stops when the relative error changes by at most this between sweeps (default 1e-4). */
    public Builder optTolerance(double tolerance) {
      if (!(tolerance >= 0)) {
        throw new IllegalArgumentException(NAME + ": tolerance must be >= 0, got " + tolerance);
      }
      this.tolerance = tolerance;
      return this;
    }

    /** Use dgesdd on tall unfoldings instead of Gram eigendecompositions everywhere possible. */
    public Builder optExactSvd(boolean exactSvd) {
      this.exactSvd = exactSvd;
      return this;
    }

    public Tucker build() {
      return new Tucker(this);
    }
  }
}
