package org.lowrank.decomp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.tensor.DenseTensor;

/**
 * TT-matrix (t3f {@code to_tt_matrix}) of a dense weight W[M, N]: M = prod m_k and N = prod n_k are
 * factored into d factors (given, or balanced automatically by {@link #balancedFactors}); W is
 * reshaped to [m_1..m_d, n_1..n_d], permuted to [m_1, n_1, .., m_d, n_d], merged to [m_1 n_1, ..,
 * m_d n_d] and decomposed by TT-SVD. See {@link TtMatrix} for the index convention.
 */
public final class TtMatrixSvd implements Factorizer<TtMatrix> {
  private static final String NAME = "TtMatrixSvd";
  private final LinearAlgebra la;
  private final int order;
  private final int[] rowFactors;
  private final int[] colFactors;
  private final boolean exactSvd;

  private TtMatrixSvd(Builder b) {
    this.la = b.la;
    this.order = b.order;
    this.rowFactors = b.rowFactors;
    this.colFactors = b.colFactors;
    this.exactSvd = b.exactSvd;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param ranks r_1..r_{d-1} (r_k in 1..min(r_{k-1} m_k n_k, prod_{j > k} m_j n_j)), or one rank
   *     used for every bond (must be feasible at every bond)
   */
  @Override
  public TtMatrix factorize(DenseTensor w, int... ranks) {
    int[][] f = factors(w);
    int d = f[0].length;
    if (ranks.length == 1 && d > 2) {
      int[] all = new int[d - 1];
      Arrays.fill(all, ranks[0]);
      ranks = all;
    }
    Checks.requireRankCount(NAME, ranks, d - 1, "r_1..r_{d-1} or one rank for all bonds");
    Checks.requireFinite(NAME, w);
    DenseTensor t = interleave(w, f[0], f[1]);
    return toTtMatrix(TtSweep.sweep(la, t, TtSweep.fixed(NAME, ranks, t.shape()), exactSvd), f);
  }

  /** t3f {@code max_tt_rank} semantics: r_k = min(maxRank, largest feasible rank at bond k). */
  public TtMatrix factorizeMaxRank(DenseTensor w, int maxRank) {
    if (maxRank < 1) {
      throw new IllegalArgumentException(NAME + ": maxRank must be >= 1, got " + maxRank);
    }
    int[][] f = factors(w);
    Checks.requireFinite(NAME, w);
    DenseTensor t = interleave(w, f[0], f[1]);
    return toTtMatrix(TtSweep.sweep(la, t, TtSweep.capped(maxRank), exactSvd), f);
  }

  /** The (row, column) factors that would be used for a matrix of this shape. */
  public int[][] factorsFor(int rows, int cols) {
    int[] m = rowFactors != null ? rowFactors : balancedFactors(rows, order);
    int[] n = colFactors != null ? colFactors : balancedFactors(cols, order);
    if (m.length != n.length) {
      throw new IllegalArgumentException(
          NAME
              + ": row factors "
              + Arrays.toString(m)
              + " and column factors "
              + Arrays.toString(n)
              + " must have the same length d");
    }
    if (Checks.product(m) != rows || Checks.product(n) != cols) {
      throw new IllegalArgumentException(
          NAME
              + ": factors "
              + Arrays.toString(m)
              + " x "
              + Arrays.toString(n)
              + " do not multiply to the matrix shape ["
              + rows
              + ", "
              + cols
              + "]");
    }
    return new int[][] {m, n};
  }

  private int[][] factors(DenseTensor w) {
    if (w.order() != 2) {
      throw new IllegalArgumentException(
          NAME + ": expected a matrix [M, N], got shape " + Arrays.toString(w.shape()));
    }
    return factorsFor(w.dim(0), w.dim(1));
  }

  private static DenseTensor interleave(DenseTensor w, int[] m, int[] n) {
    int d = m.length;
    int[] split = new int[2 * d];
    int[] perm = new int[2 * d];
    int[] merged = new int[d];
    for (int k = 0; k < d; k++) {
      split[k] = m[k];
      split[d + k] = n[k];
      perm[2 * k] = k;
      perm[2 * k + 1] = d + k;
      merged[k] = m[k] * n[k];
    }
    return w.reshape(split).permute(perm).reshape(merged);
  }

  private static TtMatrix toTtMatrix(List<DenseTensor> cores, int[][] f) {
    List<DenseTensor> out = new ArrayList<>();
    for (int k = 0; k < cores.size(); k++) {
      DenseTensor g = cores.get(k);
      out.add(g.reshape(g.dim(0), f[0][k], f[1][k], g.dim(2)));
    }
    return new TtMatrix(out);
  }

  /**
   * Splits n into d factors with product n, as equal as possible: prime factors, largest first,
   * each multiplied into the currently smallest factor; returned non-increasing (e.g. 4096, 3 ->
   * [16, 16, 16]; 10, 3 -> [5, 2, 1]).
   */
  public static int[] balancedFactors(int n, int d) {
    if (n < 1 || d < 1) {
      throw new IllegalArgumentException(
          NAME + ": need n >= 1 and d >= 1, got n = " + n + ", d = " + d);
    }
    List<Integer> primes = new ArrayList<>();
    int rest = n;
    for (int p = 2; (long) p * p <= rest; p++) {
      while (rest % p == 0) {
        primes.add(p);
        rest /= p;
      }
    }
    if (rest > 1) {
      primes.add(rest);
    }
    primes.sort((a, b) -> Integer.compare(b, a));
    int[] f = new int[d];
    Arrays.fill(f, 1);
    for (int p : primes) {
      int smallest = 0;
      for (int k = 1; k < d; k++) {
        if (f[k] < f[smallest]) {
          smallest = k;
        }
      }
      f[smallest] *= p;
    }
    Arrays.sort(f);
    for (int k = 0; k < d / 2; k++) {
      int tmp = f[k];
      f[k] = f[d - 1 - k];
      f[d - 1 - k] = tmp;
    }
    return f;
  }

  /** Largest feasible TT-matrix ranks for the given factors. */
  public static int[] fullRanks(int[] rowFactors, int[] colFactors) {
    int[] merged = new int[rowFactors.length];
    for (int k = 0; k < merged.length; k++) {
      merged[k] = rowFactors[k] * colFactors[k];
    }
    return TtSweep.fullRanks(merged);
  }

  /** sum_k r_{k-1} m_k n_k r_k. */
  public static long parameterCount(int[] rowFactors, int[] colFactors, int[] ranks) {
    return TtMatrix.parameterCount(rowFactors, colFactors, ranks);
  }

  /** Builder: d = 3 with balanced factors by default. */
  public static final class Builder {
    private LinearAlgebra la = LinearAlgebra.defaultInstance();
    private int order = 3;
    private int[] rowFactors;
    private int[] colFactors;
    private boolean exactSvd;

    private Builder() {}

    public Builder optLinearAlgebra(LinearAlgebra la) {
      this.la = Objects.requireNonNull(la);
      return this;
    }

    /** d, the number of cores when the factors are chosen automatically (default 3). */
    public Builder optOrder(int order) {
      if (order < 1) {
        throw new IllegalArgumentException(NAME + ": order d must be >= 1, got " + order);
      }
      this.order = order;
      return this;
    }

    /** m_1..m_d (product must equal the row count M). */
    public Builder optRowFactors(int... rowFactors) {
      this.rowFactors = rowFactors.clone();
      return this;
    }

    /** n_1..n_d (product must equal the column count N). */
    public Builder optColFactors(int... colFactors) {
      this.colFactors = colFactors.clone();
      return this;
    }

    public Builder optExactSvd(boolean exactSvd) {
      this.exactSvd = exactSvd;
      return this;
    }

    public TtMatrixSvd build() {
      return new TtMatrixSvd(this);
    }
  }
}
