package org.lowrank.plan.select;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.decomp.Tucker;
import org.lowrank.decomp.Tucker2;
import org.lowrank.decomp.TuckerTensor;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.PivotedQrDecomposition;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.tensor.DenseTensor;

/**
 * The energy a factorization keeps, {@code kept = 1 - ||W - Ŵ||_F^2 / ||W||_F^2} clamped to [0, 1],
 * with Ŵ what the method itself reconstructs (no method is scored through another's). Each score is
 * exact or a lower bound on the kept energy of the factors {@code compress} deploys, so a choice
 * scored at or above a threshold keeps at least that much. For a conv W [C_out, C_in, K] or a dense
 * W [out, in]:
 *
 * <ul>
 *   <li>SVD (r): sum_{i &lt;= r} s_i^2 / sum_i s_i^2 of W (Eckart-Young: exact).
 *   <li>QR (r): sum_{i &lt; r} ||R[i, :]||^2 / ||W||^2 of the column-pivoted W P = Q R, the rows
 *       the truncation keeps (exact).
 *   <li>TT-matrix (d = 2, r): the same sum over the spectrum of the reshaped matrix (exact).
 *   <li>Tucker-2 and TT (r_o, r_i): ||G[:r_o, :r_i, :]||^2 / ||W||^2, with G the core of the
 *       full-rank HOSVD W = G ×_0 U_o ×_1 U_i: the exact kept energy of the truncated HOSVD. It
 *       bounds both deployed forms from below: HOOI starts from it and never loses fit; TT-SVD
 *       keeps the same output factor and the best input factor given it. One HOSVD per layer (about
 *       C_out C_in K (C_out + C_in) flops), then O(1) per choice from a 2-D prefix sum.
 *   <li>CP (R): CP-ALS through {@link LayerFactorizer} (same SVD initialization and seed as {@code
 *       compress}) stopped after {@code cpSweeps} sweeps: ALS never loses fit, so the deployed fit
 *       (at least as many sweeps from the same start) keeps at least as much. Given a threshold, a
 *       fit that cannot reach it stops early ({@link #failsThreshold}). About 4 R C_out C_in K +
 *       O(R^3) flops per sweep; cached per (layer, R).
 * </ul>
 *
 * <p>Tables are cached per layer name; thread-safe.
 */
public final class KeptEnergy {
  /**
   * CP-ALS sweeps per scored CP rank (compress runs at least as many, up to 200, from the same
   * start).
   */
  public static final int DEFAULT_CP_SWEEPS = LayerFactorizer.CP_MIN_SWEEPS;

  /** Sweeps a CP fit runs before {@link #failsThreshold} may stop it. */
  static final int MIN_DECISION_SWEEPS = 3;

  private final LinearAlgebra la;
  private final LayerFactorizer cpScorer;
  private final Map<String, Tables> tables = new ConcurrentHashMap<>();

  /**
   * @param la the BLAS/LAPACK backend
   * @param seed seed of CP-ALS (its random columns beyond the SVD initialization), as in compress
   * @param cpSweeps CP-ALS sweeps per scored CP rank (at least 1)
   */
  public KeptEnergy(LinearAlgebra la, long seed, int cpSweeps) {
    this(la, seed, cpSweeps, Double.NaN);
  }

  /**
   * As {@link #KeptEnergy(LinearAlgebra, long, int)}, for a search that only asks whether a CP rank
   * reaches {@code threshold}: a CP fit stops early once it cannot reach it ({@link
   * #failsThreshold}), and its score is then that of the sweeps run (below the threshold, as the
   * full fit's would be). Scores that reach the threshold are those of the full fit.
   *
   * @param threshold kept-energy threshold in (0, 1], or NaN to score every CP rank in full
   */
  public KeptEnergy(LinearAlgebra la, long seed, int cpSweeps, double threshold) {
    this(la, seed, cpSweeps, threshold, null);
  }

  /**
   * As {@link #KeptEnergy(LinearAlgebra, long, int, double)}, keeping each CP fit in {@code cpFits}
   * (null = nowhere), where {@code compress}'s deployed fit of the same layer and rank continues
   * it.
   */
  public KeptEnergy(
      LinearAlgebra la,
      long seed,
      int cpSweeps,
      double threshold,
      org.lowrank.decomp.CpFits cpFits) {
    this.la = la;
    LayerFactorizer.Builder b =
        LayerFactorizer.builder()
            .optLinearAlgebra(la)
            .optSeed(seed)
            .optCpIterations(cpSweeps)
            .optCpFits(cpFits);
    if (!Double.isNaN(threshold)) {
      b.optCpStopRule((errors, max) -> failsThreshold(errors, max, threshold));
    }
    this.cpScorer = b.build();
  }

  /**
   * True when a CP-ALS fit, after the sweeps whose relative errors are {@code errors}, cannot reach
   * kept energy {@code threshold} within {@code maxSweeps}: after at least {@value
   * #MIN_DECISION_SWEEPS} sweeps, kept_n + (maxSweeps - n) * 2 g stays below it, with kept_n = 1 -
   * e_n^2 and g the largest gain in kept energy of the last two sweeps. ALS gains shrink as it
   * converges (a later swamp could beat the factor 2: then the scored rank fails where its full fit
   * might just pass: a larger rank, or none, is chosen, never one below the threshold).
   */
  static boolean failsThreshold(double[] errors, int maxSweeps, double threshold) {
    int n = errors.length;
    if (n < MIN_DECISION_SWEEPS || n >= maxSweeps) {
      return false;
    }
    double kept = 1 - errors[n - 1] * errors[n - 1];
    double gain = 0;
    for (int j = n - 2; j >= n - 3; j--) {
      gain = Math.max(gain, errors[j] * errors[j] - errors[j + 1] * errors[j + 1]);
    }
    return kept + (maxSweeps - n) * 2 * gain < threshold;
  }

  /** {@code 1 - ||w - wHat||_F^2 / ||w||_F^2} clamped to [0, 1] (1 for a zero w); same shapes. */
  public static double of(DenseTensor w, DenseTensor wHat) {
    double e = DenseTensor.relativeError(w, wHat);
    return Math.max(0, Math.min(1, 1 - e * e));
  }

  /** The singular values of the layer's unfoldings (cached). */
  public Spectra spectra(LayerInput layer) {
    return tables(layer).spectra();
  }

  /**
   * The kept energy of {@code c} on {@code layer} (see the class comment for each method).
   *
   * @throws IllegalArgumentException if the method does not fit the layer or a rank is infeasible
   */
  public double score(LayerInput layer, Choice c) {
    if (!c.method().appliesTo(layer.geometry())) {
      throw new IllegalArgumentException(
          "layer '"
              + layer.name()
              + "': method "
              + c.method().cliName()
              + " does not apply to a "
              + (layer.geometry().conv() ? "conv" : "dense layer"));
    }
    Tables t = tables(layer);
    int[] r = c.ranks();
    return switch (c.method()) {
      case SVD -> Spectra.energy(t.spectra().output(), r[0]);
      case TTM -> Spectra.energy(t.spectra().ttm(), r[0]);
      case QR -> t.qr()[Math.min(r[0], t.qr().length - 1)];
      case TUCKER2, TT -> t.hosvd(r[0], r[1]);
      case CP -> t.cp(r[0]);
    };
  }

  private Tables tables(LayerInput layer) {
    return tables.computeIfAbsent(layer.name(), k -> new Tables(layer));
  }

  /** Per-layer caches, each filled on first use. */
  private final class Tables {
    private final LayerInput layer;
    private Spectra spectra;
    private double[] qr;
    private double[][] hosvd;
    private final Map<Integer, Double> cp = new ConcurrentHashMap<>();

    Tables(LayerInput layer) {
      this.layer = layer;
    }

    synchronized Spectra spectra() {
      if (spectra == null) {
        spectra = Spectra.of(layer, la);
      }
      return spectra;
    }

    /** kept[r] for r = 0..min(out, in): the leading r rows of R over ||R||^2 = ||W||^2. */
    synchronized double[] qr() {
      if (qr == null) {
        DenseTensor w = layer.weight();
        int m = w.dim(0);
        int n = w.dim(1);
        PivotedQrDecomposition d = la.pivotedQr(w.toArray(), m, n);
        double[] rows = new double[d.size() + 1];
        double[] rr = d.r();
        for (int i = 0; i < d.size(); i++) {
          double s = 0;
          for (int j = 0; j < n; j++) {
            s += rr[i * n + j] * rr[i * n + j];
          }
          rows[i + 1] = rows[i] + s;
        }
        double total = rows[d.size()];
        for (int i = 0; i <= d.size(); i++) {
          rows[i] = total == 0 ? 1 : Math.min(1, rows[i] / total);
        }
        qr = rows;
      }
      return qr;
    }

    /**
     * ||G[:ro, :ri, :]||^2 / ||G||^2 from the 2-D prefix sums of the full HOSVD core's energies.
     */
    double hosvd(int ro, int ri) {
      double[][] p = hosvdTable();
      return p[Math.min(ro, p.length - 1)][Math.min(ri, p[0].length - 1)];
    }

    private synchronized double[][] hosvdTable() {
      if (hosvd == null) {
        int[] full = CostModel.maxRanks(layer.geometry(), Method.TUCKER2);
        TuckerTensor t = Tucker2.create(Tucker.Method.HOSVD, la).factorize(layer.weight(), full);
        DenseTensor g = t.core();
        int a = g.dim(0);
        int b = g.dim(1);
        int k = g.size() / (a * b);
        double[] core = g.toArray();
        double[][] p = new double[a + 1][b + 1];
        for (int i = 0; i < a; i++) {
          for (int j = 0; j < b; j++) {
            double s = 0;
            for (int q = 0; q < k; q++) {
              double v = core[(i * b + j) * k + q];
              s += v * v;
            }
            p[i + 1][j + 1] = p[i][j + 1] + p[i + 1][j] - p[i][j] + s;
          }
        }
        double norm = layer.weight().frobeniusNorm();
        double total = norm * norm;
        for (double[] row : p) {
          for (int j = 0; j < row.length; j++) {
            row[j] = total == 0 ? 1 : Math.max(0, Math.min(1, row[j] / total));
          }
        }
        hosvd = p;
      }
      return hosvd;
    }

    double cp(int rank) {
      return cp.computeIfAbsent(
          rank,
          r -> {
            DenseTensor w = layer.weight();
            TensorValue tv =
                TensorValue.ofFloats(
                    Arrays.stream(w.shape()).asLongStream().toArray(), w.toFloats());
            DenseTensor wHat =
                DenseTensor.fromFloats(
                    cpScorer
                        .factorizeConv(tv, Choice.of(Method.CP, r))
                        .reconstruct()
                        .toFloatArray(),
                    w.shape());
            return of(w, wHat);
          });
    }
  }
}
