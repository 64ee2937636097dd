package org.lowrank.prune;

import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;

/**
 * The filter-norm criterion of filter-based pruning (Li et al., "Pruning Filters for Efficient
 * ConvNets", 2017): the score of a channel is the sum over its producers of the L1 (or L2) norm of
 * the filter that makes it, ||W[r, :, :, :]||_p for a Conv weight [C_out, C_in/g, k, k], the output
 * column of a Gemm or MatMul. A channel with no filter (the zero channels of a Pad) scores 0 and
 * goes first: removing it changes nothing.
 */
public final class FilterNorm implements PruneCriterion {
  private final int p;

  private FilterNorm(int p) {
    this.p = p;
  }

  /** Sum of absolute values. */
  public static FilterNorm l1() {
    return new FilterNorm(1);
  }

  /** Euclidean norm. */
  public static FilterNorm l2() {
    return new FilterNorm(2);
  }

  @Override
  public String name() {
    return "l" + p;
  }

  @Override
  public double[] scores(ChannelDependencies deps, ChannelGroup group) {
    double[] s = new double[group.width()];
    for (ChannelGroup.Filter f : group.filters()) {
      Node n = deps.model().graph().node(f.node()).orElseThrow();
      TensorValue w = deps.model().graph().initializer(n.input(1)).orElseThrow();
      boolean rows = n.opType().equals("Conv") || n.attrLong("transB", 0) == 1;
      s[f.unit()] += norm(w, rows ? 0 : 1, f.row());
    }
    return s;
  }

  /** The L_p norm of slice {@code index} of {@code axis} (0 or 1) of {@code w}. */
  private double norm(TensorValue w, int axis, int index) {
    long[] d = w.dims();
    int inner = 1;
    for (int i = axis + 1; i < d.length; i++) {
      inner *= (int) d[i];
    }
    int outer = axis == 0 ? 1 : (int) d[0];
    int n = (int) d[axis];
    double acc = 0;
    for (int o = 0; o < outer; o++) {
      int base = (o * n + index) * inner;
      for (int i = 0; i < inner; i++) {
        double v = w.doubleAt(base + i);
        acc += p == 1 ? Math.abs(v) : v * v;
      }
    }
    return p == 1 ? acc : Math.sqrt(acc);
  }
}
