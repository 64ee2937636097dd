package org.lowrank.decomp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank.tensor.DenseTensor;

/**
 * A TT-matrix (matrix product operator, t3f convention) for W[M, N], M = prod_k m_k, N = prod_k
 * n_k:
 *
 * <pre>
 *   W[i, j] = G_1[0, i_1, j_1, :] G_2[:, i_2, j_2, :] ... G_d[:, i_d, j_d, 0]
 *   i = row-major index of (i_1, .., i_d) over (m_1, .., m_d)   (i_1 slowest: i = ((i_1 m_2 + i_2) m_3 + i_3)..)
 *   j = row-major index of (j_1, .., j_d) over (n_1, .., n_d)
 * </pre>
 *
 * with cores G_k[r_{k-1}, m_k, n_k, r_k], r_0 = r_d = 1. Equivalently: reshape W to [m_1..m_d,
 * n_1..n_d], permute to [m_1, n_1, m_2, n_2, ..., m_d, n_d], reshape to [m_1 n_1, ..., m_d n_d];
 * that tensor is the {@link TensorTrain} of the cores reshaped to [r_{k-1}, m_k n_k, r_k].
 *
 * <p>Applying y = W x for x[N] (or a batch x[B, N] with y = x W^T) is a chain of reshapes,
 * transposes and matmuls: reshape x to [n_1..n_d], contract j_d with G_d first, and so on.
 */
public final class TtMatrix implements FactorizedTensor {
  private final List<DenseTensor> cores;
  private final int[] rowFactors;
  private final int[] colFactors;
  private final int[] bondRanks;

  /** Cores G_k[r_{k-1}, m_k, n_k, r_k]. */
  public TtMatrix(List<DenseTensor> cores) {
    int d = cores.size();
    if (d == 0) {
      throw new IllegalArgumentException("TtMatrix needs at least one core");
    }
    rowFactors = new int[d];
    colFactors = new int[d];
    bondRanks = new int[d + 1];
    bondRanks[0] = 1;
    for (int k = 0; k < d; k++) {
      DenseTensor g = cores.get(k);
      if (g.order() != 4 || g.dim(0) != bondRanks[k]) {
        throw new IllegalArgumentException(
            "TtMatrix core "
                + k
                + " must be ["
                + bondRanks[k]
                + ", m_k, n_k, r_k], got "
                + Arrays.toString(g.shape()));
      }
      rowFactors[k] = g.dim(1);
      colFactors[k] = g.dim(2);
      bondRanks[k + 1] = g.dim(3);
    }
    if (bondRanks[d] != 1) {
      throw new IllegalArgumentException(
          "TtMatrix last core must end with rank 1, got "
              + Arrays.toString(cores.get(d - 1).shape()));
    }
    this.cores = List.copyOf(cores);
  }

  /** G_k, shape [r_{k-1}, m_k, n_k, r_k] (k from 0). */
  public DenseTensor core(int k) {
    return cores.get(k);
  }

  public List<DenseTensor> cores() {
    return cores;
  }

  /** d. */
  public int order() {
    return cores.size();
  }

  /** m_1..m_d. */
  public int[] rowFactors() {
    return rowFactors.clone();
  }

  /** n_1..n_d. */
  public int[] colFactors() {
    return colFactors.clone();
  }

  /** r_0..r_d including the trailing 1s. */
  public int[] bondRanks() {
    return bondRanks.clone();
  }

  /** Inner ranks r_1..r_{d-1}. */
  @Override
  public int[] ranks() {
    return Arrays.copyOfRange(bondRanks, 1, bondRanks.length - 1);
  }

  /** [M, N]. */
  @Override
  public int[] shape() {
    return new int[] {(int) Checks.product(rowFactors), (int) Checks.product(colFactors)};
  }

  /** The equivalent tensor train over modes m_k n_k. */
  public TensorTrain asTensorTrain() {
    List<DenseTensor> c = new ArrayList<>();
    for (int k = 0; k < cores.size(); k++) {
      c.add(cores.get(k).reshape(bondRanks[k], rowFactors[k] * colFactors[k], bondRanks[k + 1]));
    }
    return new TensorTrain(c);
  }

  @Override
  public DenseTensor reconstruct() {
    int d = cores.size();
    int[] interleaved = new int[2 * d];
    for (int k = 0; k < d; k++) {
      interleaved[2 * k] = rowFactors[k];
      interleaved[2 * k + 1] = colFactors[k];
    }
    // [m_1, n_1, .., m_d, n_d] -> [m_1..m_d, n_1..n_d]
    int[] perm = new int[2 * d];
    for (int k = 0; k < d; k++) {
      perm[k] = 2 * k;
      perm[d + k] = 2 * k + 1;
    }
    int[] s = shape();
    return asTensorTrain().reconstruct().reshape(interleaved).permute(perm).reshape(s);
  }

  @Override
  public long parameterCount() {
    return parameterCount(rowFactors, colFactors, ranks());
  }

  /** sum_k r_{k-1} m_k n_k r_k. */
  public static long parameterCount(int[] rowFactors, int[] colFactors, int[] ranks) {
    if (rowFactors.length != colFactors.length) {
      throw new IllegalArgumentException(
          "TT-matrix needs as many row factors as column factors, got "
              + Arrays.toString(rowFactors)
              + " and "
              + Arrays.toString(colFactors));
    }
    int[] merged = new int[rowFactors.length];
    for (int k = 0; k < merged.length; k++) {
      merged[k] = rowFactors[k] * colFactors[k];
    }
    return TensorTrain.parameterCount(merged, ranks);
  }

  @Override
  public String toString() {
    return "TtMatrix[rows "
        + Arrays.toString(rowFactors)
        + ", cols "
        + Arrays.toString(colFactors)
        + ", ranks "
        + Arrays.toString(ranks())
        + "]";
  }
}
