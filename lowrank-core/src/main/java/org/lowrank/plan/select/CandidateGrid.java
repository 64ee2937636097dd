package org.lowrank.plan.select;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.decomp.TtMatrixSvd;

/**
 * Candidate ranks of a layer: fractions f of the full rank on a grid that is fine at small ranks
 * (where the savings are) and coarse near full rank, optionally rounded up to a multiple (hardware
 * friendly shapes). Only choices that lower both parameters and MACs survive. Tucker-2 also gets
 * the one-sided choices (r, C_in) and (C_out, r), which the rewrite emits as two convs.
 */
public final class CandidateGrid {
  private static final int LEVELS = 48;

  private CandidateGrid() {}

  /** Grid fraction {@code i} of {@code LEVELS}: quadratic spacing from ~0 to 1. */
  static double level(int i) {
    double t = (double) i / LEVELS;
    return t * t;
  }

  /**
   * The reducing candidates of {@code method} on a layer. TT-matrix uses d = 2 cores with the most
   * balanced factorizations of the output and input sizes ({@link #ttmModes}) and one inner rank.
   */
  public static List<Choice> choices(LayerGeometry g, Method method, int rankMultiple) {
    if (method == Method.TTM) {
      return ttmChoices(g, rankMultiple);
    }
    int[] max = CostModel.maxRanks(g, method);
    Set<Choice> out = new LinkedHashSet<>();
    for (int i = 1; i <= LEVELS; i++) {
      Choice c = scaled(g, method, max, level(i), rankMultiple);
      if (CostModel.reducesCost(g, c)) {
        out.add(c);
      }
    }
    if (method == Method.TUCKER2) {
      // one-sided: the other mode at full rank, its square factor folded (two convs instead of
      // three)
      for (int i = 1; i <= LEVELS; i++) {
        int[] r = scaled(g, method, max, level(i), rankMultiple).ranks();
        for (Choice c :
            List.of(
                Choice.of(method, r[0], (int) g.cin()), Choice.of(method, (int) g.cout(), r[1]))) {
          if (c.ranks()[0] <= max[0] && c.ranks()[1] <= max[1] && CostModel.reducesCost(g, c)) {
            out.add(c);
          }
        }
      }
    }
    return new ArrayList<>(out);
  }

  /** Output modes (row 0) and input modes (row 1) of the d = 2 TT-matrix of a dense layer. */
  public static int[][] ttmModes(LayerGeometry g) {
    return new int[][] {
      TtMatrixSvd.balancedFactors(Math.toIntExact(g.cout()), 2),
      TtMatrixSvd.balancedFactors(Math.toIntExact(g.cin()), 2)
    };
  }

  /** The largest useful inner rank of the d = 2 TT-matrix: min(m_1 n_1, m_2 n_2). */
  public static int ttmMaxRank(int[][] modes) {
    return Math.min(modes[0][0] * modes[1][0], modes[0][1] * modes[1][1]);
  }

  /** A d = 2 TT-matrix choice of inner rank {@code rank}. */
  public static Choice ttm(LayerGeometry g, int rank) {
    int[][] modes = ttmModes(g);
    return Choice.ttm(modes[0], modes[1], new int[] {rank});
  }

  private static List<Choice> ttmChoices(LayerGeometry g, int rankMultiple) {
    int max = ttmMaxRank(ttmModes(g));
    Set<Choice> out = new LinkedHashSet<>();
    for (int i = 1; i <= LEVELS; i++) {
      int r = round(Math.max(1, (int) Math.ceil(level(i) * max - 1e-9)), rankMultiple, max);
      Choice c = ttm(g, r);
      if (CostModel.reducesCost(g, c)) {
        out.add(c);
      }
    }
    return new ArrayList<>(out);
  }

  /** Ranks ceil(f * max) rounded up to {@code rankMultiple}, each within [1, max]. */
  public static Choice scaled(
      LayerGeometry g, Method method, int[] max, double f, int rankMultiple) {
    int[] r = new int[max.length];
    for (int k = 0; k < max.length; k++) {
      r[k] = round(Math.max(1, (int) Math.ceil(f * max[k] - 1e-9)), rankMultiple, max[k]);
    }
    return Choice.of(method, r);
  }

  /**
   * True when {@code c} is at the method's largest ranks ({@link CostModel#maxRanks}; TT-matrix:
   * never): the full rank, which only reproduces the layer, or for CP the rank whose parameters
   * match the layer's.
   */
  public static boolean isFullRank(LayerGeometry g, Choice c) {
    return c.method() != Method.TTM
        && java.util.Arrays.equals(c.ranks(), CostModel.maxRanks(g, c.method()));
  }

  /** {@code k} indices spread evenly over 0..n-1, always including both ends (fewer if n < k). */
  public static int[] spread(int n, int k) {
    if (n == 0) {
      return new int[0];
    }
    int m = Math.min(n, Math.max(1, k));
    if (m == 1) {
      return new int[] {n - 1};
    }
    Set<Integer> idx = new LinkedHashSet<>();
    for (int j = 0; j < m; j++) {
      idx.add((int) Math.round((double) j * (n - 1) / (m - 1)));
    }
    return idx.stream().mapToInt(Integer::intValue).toArray();
  }

  /** {@code rank} rounded up to a multiple of {@code multiple} (1 = no rounding), capped at max. */
  public static int round(int rank, int multiple, int max) {
    if (multiple <= 1) {
      return Math.min(rank, max);
    }
    int r = (rank + multiple - 1) / multiple * multiple;
    return Math.min(r, max);
  }
}
