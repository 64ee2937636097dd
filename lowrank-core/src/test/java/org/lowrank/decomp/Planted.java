package org.lowrank.decomp;

import java.util.ArrayList;
import java.util.List;
import org.lowrank.tensor.DenseTensor;

/** Tensors of known rank built from seeded Gaussian factors. */
final class Planted {
  private Planted() {}

  static DenseTensor matrix(long seed, int m, int n, int r) {
    return DenseTensor.random(seed, m, r).matmul(DenseTensor.random(seed + 1, r, n));
  }

  static DenseTensor cp(long seed, int[] shape, int r) {
    List<DenseTensor> f = new ArrayList<>();
    for (int k = 0; k < shape.length; k++) {
      f.add(DenseTensor.random(seed * 31 + k, shape[k], r));
    }
    double[] w = new double[r];
    java.util.Arrays.fill(w, 1);
    return new CpTensor(w, f).reconstruct();
  }

  static DenseTensor tucker(long seed, int[] shape, int[] modes, int[] ranks) {
    int[] core = shape.clone();
    for (int t = 0; t < modes.length; t++) {
      core[modes[t]] = ranks[t];
    }
    List<DenseTensor> f = new ArrayList<>();
    for (int t = 0; t < modes.length; t++) {
      f.add(DenseTensor.random(seed * 17 + t + 1, shape[modes[t]], ranks[t]));
    }
    return new TuckerTensor(DenseTensor.random(seed, core), modes, f).reconstruct();
  }

  static DenseTensor tt(long seed, int[] shape, int[] ranks) {
    List<DenseTensor> cores = new ArrayList<>();
    for (int k = 0; k < shape.length; k++) {
      int left = k == 0 ? 1 : ranks[k - 1];
      int right = k == shape.length - 1 ? 1 : ranks[k];
      cores.add(DenseTensor.random(seed * 13 + k, left, shape[k], right));
    }
    return new TensorTrain(cores).reconstruct();
  }

  static long size(List<DenseTensor> tensors) {
    long s = 0;
    for (DenseTensor t : tensors) {
      s += t.size();
    }
    return s;
  }
}
