package org.lowrank.rewrite;

import java.util.Arrays;
import java.util.List;
import org.lowrank.graph.TensorValue;

/**
 * TT-matrix dense layer: {@code W [out, in]} with {@code out = o_1*..*o_d}, {@code in =
 * i_1*..*i_d}, {@code W[(o_1..o_d), (i_1..i_d)] = G_1[:, o_1, i_1, :] ... G_d[:, o_d, i_d, :]}
 * (row-major multi-indices, r_0 = r_d = 1). The rewrite contracts {@code x} with one core at a time
 * (Reshape/Transpose/MatMul per core, cost {@code sum_k B * in/i_k * O_{<k} * r_{k-1} i_k o_k
 * r_k}), never rebuilding W. Parameters {@code sum_k r_{k-1} o_k i_k r_k}.
 *
 * @param cores G_k [r_{k-1}, o_k, i_k, r_k], k = 1..d, d >= 1
 */
public record TtMatrixDense(List<TensorValue> cores) implements FactorizedLayer {

  public TtMatrixDense {
    cores = List.copyOf(cores);
    if (cores.isEmpty()) {
      throw new IllegalArgumentException("TT-matrix needs at least one core");
    }
    long prev = 1;
    for (int k = 0; k < cores.size(); k++) {
      TensorValue g = cores.get(k);
      Tensors.requireRank(g, 4, "TT-matrix core G_" + (k + 1) + " [r_{k-1}, o_k, i_k, r_k]");
      if (g.dim(0) != prev) {
        throw new IllegalArgumentException(
            "TT-matrix core G_"
                + (k + 1)
                + " "
                + Arrays.toString(g.dims())
                + " must start with rank "
                + prev);
      }
      prev = g.dim(3);
    }
    if (prev != 1) {
      throw new IllegalArgumentException(
          "the last TT-matrix core must end with rank 1, found " + prev);
    }
  }

  @Override
  public String method() {
    return "ttm";
  }

  @Override
  public boolean forConv() {
    return false;
  }

  /** Inner ranks r_1..r_{d-1}. */
  @Override
  public long[] ranks() {
    long[] r = new long[cores.size() - 1];
    for (int k = 0; k < r.length; k++) {
      r[k] = cores.get(k).dim(3);
    }
    return r;
  }

  /** o_1..o_d. */
  public long[] outModes() {
    return cores.stream().mapToLong(g -> g.dim(1)).toArray();
  }

  /** i_1..i_d. */
  public long[] inModes() {
    return cores.stream().mapToLong(g -> g.dim(2)).toArray();
  }

  public long outFeatures() {
    return Tensors.product(outModes());
  }

  public long inFeatures() {
    return Tensors.product(inModes());
  }

  @Override
  public long parameterCount() {
    return cores.stream().mapToLong(TensorValue::elementCount).sum();
  }

  @Override
  public TensorValue reconstruct() {
    // acc [O, I, r] after k cores
    long o = 1;
    long i = 1;
    long r = 1;
    float[] acc = {1f};
    for (TensorValue g : cores) {
      int ok = (int) g.dim(1);
      int ik = (int) g.dim(2);
      int rn = (int) g.dim(3);
      float[] gd = g.toFloatArray();
      float[] next = new float[Math.toIntExact(o * ok * i * ik * rn)];
      for (int oo = 0; oo < o; oo++) {
        for (int ii = 0; ii < i; ii++) {
          for (int a = 0; a < r; a++) {
            float v = acc[(int) ((oo * i + ii) * r + a)];
            if (v == 0) {
              continue;
            }
            for (int p = 0; p < ok; p++) {
              for (int q = 0; q < ik; q++) {
                long row = oo * ok + p;
                long col = ii * ik + q;
                int base = (int) ((row * (i * ik) + col) * rn);
                int gb = ((a * ok + p) * ik + q) * rn;
                for (int b = 0; b < rn; b++) {
                  next[base + b] += v * gd[gb + b];
                }
              }
            }
          }
        }
      }
      acc = next;
      o *= ok;
      i *= ik;
      r = rn;
    }
    return TensorValue.ofFloats(new long[] {o, i}, acc);
  }
}
