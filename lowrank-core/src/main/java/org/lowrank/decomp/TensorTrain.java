package org.lowrank.decomp;

import java.util.Arrays;
import java.util.List;
import org.lowrank.tensor.DenseTensor;

/**
 * A tensor train (Oseledets 2011): X[i_1, ..., i_d] = G_1[:, i_1, :] G_2[:, i_2, :] ... G_d[:, i_d,
 * :], cores G_k[r_{k-1}, I_k, r_k] with r_0 = r_d = 1.
 */
public final class TensorTrain implements FactorizedTensor {
  private final List<DenseTensor> cores;
  private final int[] shape;
  private final int[] bondRanks;

  /** Cores G_k[r_{k-1}, I_k, r_k]; consecutive ranks must agree, r_0 = r_d = 1. */
  public TensorTrain(List<DenseTensor> cores) {
    int d = cores.size();
    if (d == 0) {
      throw new IllegalArgumentException("TensorTrain needs at least one core");
    }
    shape = new int[d];
    bondRanks = new int[d + 1];
    bondRanks[0] = 1;
    for (int k = 0; k < d; k++) {
      DenseTensor g = cores.get(k);
      if (g.order() != 3 || g.dim(0) != bondRanks[k]) {
        throw new IllegalArgumentException(
            "TensorTrain core "
                + k
                + " must be ["
                + bondRanks[k]
                + ", I_"
                + k
                + ", r_"
                + (k + 1)
                + "], got "
                + Arrays.toString(g.shape()));
      }
      shape[k] = g.dim(1);
      bondRanks[k + 1] = g.dim(2);
    }
    if (bondRanks[d] != 1) {
      throw new IllegalArgumentException(
          "TensorTrain last core must end with rank 1, got "
              + Arrays.toString(cores.get(d - 1).shape()));
    }
    this.cores = List.copyOf(cores);
  }

  /** G_k, shape [r_{k-1}, I_k, r_k] (k from 0). */
  public DenseTensor core(int k) {
    return cores.get(k);
  }

  public List<DenseTensor> cores() {
    return cores;
  }

  /** Number of cores d. */
  public int order() {
    return shape.length;
  }

  /** All bond ranks r_0..r_d including the trailing 1s. */
  public int[] bondRanks() {
    return bondRanks.clone();
  }

  /** The inner ranks r_1..r_{d-1}. */
  @Override
  public int[] ranks() {
    return Arrays.copyOfRange(bondRanks, 1, bondRanks.length - 1);
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Contracts the cores left to right: (I_1..I_k) x r_k partial products, one GEMM per core. */
  @Override
  public DenseTensor reconstruct() {
    DenseTensor acc = cores.get(0).reshape(shape[0], bondRanks[1]);
    int rows = shape[0];
    for (int k = 1; k < cores.size(); k++) {
      DenseTensor g = cores.get(k).reshape(bondRanks[k], shape[k] * bondRanks[k + 1]);
      rows *= shape[k];
      acc = acc.matmul(g).reshape(rows, bondRanks[k + 1]);
    }
    return acc.reshape(shape);
  }

  @Override
  public long parameterCount() {
    return parameterCount(shape, ranks());
  }

  /** sum_k r_{k-1} I_k r_k for inner ranks r_1..r_{d-1} (r_0 = r_d = 1). */
  public static long parameterCount(int[] shape, int[] ranks) {
    if (ranks.length != shape.length - 1) {
      throw new IllegalArgumentException(
          "TT parameterCount: "
              + shape.length
              + " modes need "
              + (shape.length - 1)
              + " ranks, got "
              + Arrays.toString(ranks));
    }
    long s = 0;
    for (int k = 0; k < shape.length; k++) {
      long left = k == 0 ? 1 : ranks[k - 1];
      long right = k == shape.length - 1 ? 1 : ranks[k];
      s += left * shape[k] * right;
    }
    return s;
  }

  @Override
  public String toString() {
    return "TensorTrain[" + Arrays.toString(shape) + ", ranks " + Arrays.toString(ranks()) + "]";
  }
}
