package org.lowrank.plan.select;

import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * Singular values of the unfoldings that bound a layer's low-rank approximations: for a conv kernel
 * W [C_out, C_in, K...] the mode-0 (C_out x C_in K) and mode-1 (C_in x C_out K) unfoldings, whose
 * truncations give Tucker-2 and the outer TT cores; for a dense W [out, in] the matrix itself, and
 * in {@code ttm} the matrix [m_1 n_1, m_2 n_2] whose truncated SVD is the d = 2 TT-matrix (W
 * reshaped to [m_1, m_2, n_1, n_2] and permuted to [m_1, n_1, m_2, n_2]; empty for convs). {@link
 * #energy} is the fraction of squared Frobenius norm a rank keeps.
 */
public record Spectra(double[] output, double[] input, double[] ttm) {

  /** Computes the spectra of a layer's weight. */
  public static Spectra of(LayerInput layer, LinearAlgebra la) {
    DenseTensor w = layer.weight();
    if (!layer.geometry().conv()) {
      double[] s = la.singularValues(w.toArray(), w.dim(0), w.dim(1));
      int[][] modes = CandidateGrid.ttmModes(layer.geometry());
      DenseTensor t =
          w.reshape(modes[0][0], modes[0][1], modes[1][0], modes[1][1])
              .permute(0, 2, 1, 3)
              .reshape(modes[0][0] * modes[1][0], modes[0][1] * modes[1][1]);
      return new Spectra(s, s, la.singularValues(t.toArray(), t.dim(0), t.dim(1)));
    }
    DenseTensor u0 = w.unfold(0);
    DenseTensor u1 = w.unfold(1);
    return new Spectra(
        la.singularValues(u0.toArray(), u0.dim(0), u0.dim(1)),
        la.singularValues(u1.toArray(), u1.dim(0), u1.dim(1)),
        new double[0]);
  }

  /** Fraction of sum(s^2) held by the first {@code rank} values (1 when rank >= length). */
  public static double energy(double[] s, int rank) {
    double total = 0;
    double kept = 0;
    for (int i = 0; i < s.length; i++) {
      double e = s[i] * s[i];
      total += e;
      if (i < rank) {
        kept += e;
      }
    }
    return total == 0 ? 1 : kept / total;
  }

  /** The smallest rank keeping at least {@code fraction} of the energy (at least 1). */
  public static int rankForEnergy(double[] s, double fraction) {
    double total = 0;
    for (double v : s) {
      total += v * v;
    }
    double kept = 0;
    for (int i = 0; i < s.length; i++) {
      kept += s[i] * s[i];
      if (kept >= fraction * total * (1 - 1e-12)) {
        return i + 1;
      }
    }
    return Math.max(1, s.length);
  }
}
