package org.lowrank.decomp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * The TT-SVD left-to-right sweep (Oseledets 2011, Alg. 1) shared by {@link TensorTrainSvd}, {@link
 * ConvTensorTrainSvd} and {@link TtMatrixSvd}: C = X; for k = 1..d-1, view C as (r_{k-1} I_k) x
 * rest, take its leading r_k left singular vectors U_k (core k), continue with C = U_k^T C.
 */
final class TtSweep {
  private TtSweep() {}

  /** How the rank of bond k (1-based, r_k) is chosen. */
  interface RankRule {
    /**
     * @param bond k in 1..d-1; @param maxRank min(r_{k-1} I_k, prod_{j>k} I_j)
     */
    int rank(int bond, int maxRank, LeftSpectrum spectrum);

    /**
     * Rank needed from the spectrum ahead of time, or -1 if unknown; {@code bound} explains maxRank
     * for error messages.
     */
    int needed(int bond, int maxRank, String bound);
  }

  /** Exactly the given ranks; validated against the running maximum with the algorithm's name. */
  static RankRule fixed(String algorithm, int[] ranks, int[] shape) {
    return new RankRule() {
      @Override
      public int needed(int bond, int maxRank, String bound) {
        Checks.requireRank(algorithm, "TT rank r_" + bond, ranks[bond - 1], maxRank, bound);
        return ranks[bond - 1];
      }

      @Override
      public int rank(int bond, int maxRank, LeftSpectrum spectrum) {
        return ranks[bond - 1];
      }
    };
  }

  /** min(cap, feasible) at every bond. */
  static RankRule capped(int cap) {
    return new RankRule() {
      @Override
      public int needed(int bond, int maxRank, String bound) {
        return Math.min(cap, maxRank);
      }

      @Override
      public int rank(int bond, int maxRank, LeftSpectrum spectrum) {
        return Math.min(cap, maxRank);
      }
    };
  }

  /**
   * Smallest ranks with ||X - TT||_F &lt;= relTol ||X||_F (per-bond tail budget relTol^2 ||X||^2 /
   * (d - 1)), each capped at {@code cap}.
   */
  static RankRule tolerance(double relTol, double normX, int order, int cap) {
    double budget = relTol * relTol * normX * normX / Math.max(1, order - 1);
    return new RankRule() {
      @Override
      public int needed(int bond, int maxRank, String bound) {
        return -1;
      }

      @Override
      public int rank(int bond, int maxRank, LeftSpectrum spectrum) {
        return spectrum.rankForTail(budget, Math.min(cap, maxRank));
      }
    };
  }

  /** Cores G_k[r_{k-1}, I_k, r_k] of x. */
  static List<DenseTensor> sweep(LinearAlgebra la, DenseTensor x, RankRule rule, boolean exact) {
    int[] shape = x.shape();
    int d = shape.length;
    List<DenseTensor> cores = new ArrayList<>();
    double[] c = x.toArray();
    int rPrev = 1;
    for (int k = 0; k < d - 1; k++) {
      int rows = rPrev * shape[k];
      int cols = 1;
      for (int j = k + 1; j < d; j++) {
        cols *= shape[j];
      }
      int maxRank = Math.min(rows, cols);
      String tail = k + 2 == d ? "I_" + d : "I_" + (k + 2) + "*..*I_" + d;
      String bound =
          "min("
              + (k == 0 ? "" : "r_" + k + "*")
              + "I_"
              + (k + 1)
              + ", "
              + tail
              + ") = min("
              + rows
              + ", "
              + cols
              + ") on the TT modes "
              + Arrays.toString(shape);
      int needed = rule.needed(k + 1, maxRank, bound);
      LeftSpectrum sp = LeftSpectrum.of(la, c, rows, cols, exact, needed);
      int r = rule.rank(k + 1, maxRank, sp);
      double[] u = sp.leading(r);
      cores.add(DenseTensor.of(u, rPrev, shape[k], r));
      c = la.multiply(true, false, r, cols, rows, u, c);
      rPrev = r;
    }
    cores.add(DenseTensor.of(c, rPrev, shape[d - 1], 1));
    return cores;
  }

  /** Full TT ranks r_k = min(prod_{j &lt;= k} I_j, prod_{j > k} I_j), k = 1..d-1. */
  static int[] fullRanks(int[] shape) {
    int d = shape.length;
    int[] r = new int[Math.max(0, d - 1)];
    for (int k = 1; k < d; k++) {
      long left = Checks.product(Arrays.copyOfRange(shape, 0, k));
      long right = Checks.product(Arrays.copyOfRange(shape, k, d));
      r[k - 1] = Checks.clampToInt(Math.min(left, right));
    }
    return r;
  }
}
