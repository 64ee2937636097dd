package org.lowrank.decomp;

import java.util.Arrays;
import org.lowrank.tensor.DenseTensor;

/** Argument validation shared by the algorithms: one wording for every rank error. */
final class Checks {
  private Checks() {}

  static void requireFinite(String algorithm, DenseTensor input) {
    if (!input.isFinite()) {
      throw new IllegalArgumentException(
          algorithm
              + ": input of shape "
              + Arrays.toString(input.shape())
              + " contains NaN or infinite values; decompositions need finite weights");
    }
  }

  static void requireOrder(String algorithm, DenseTensor input, int minOrder, int maxOrder) {
    int n = input.order();
    if (n < minOrder || n > maxOrder) {
      String expected =
          minOrder == maxOrder
              ? "" + minOrder
              : minOrder + ".." + (maxOrder == Integer.MAX_VALUE ? "N" : maxOrder);
      throw new IllegalArgumentException(
          algorithm
              + ": expected a tensor of order "
              + expected
              + ", got shape "
              + Arrays.toString(input.shape()));
    }
  }

  static void requireRankCount(String algorithm, int[] ranks, int expected, String meaning) {
    if (ranks == null || ranks.length != expected) {
      throw new IllegalArgumentException(
          algorithm
              + ": expected "
              + expected
              + " rank"
              + (expected == 1 ? "" : "s")
              + " ("
              + meaning
              + "), got "
              + (ranks == null ? "none" : Arrays.toString(ranks)));
    }
  }

  static void requireRank(String algorithm, String which, int value, int max, int[] shape) {
    requireRank(algorithm, which, value, max, "for shape " + Arrays.toString(shape));
  }

  /** "ALG: which must be in 1..max (why), got value". */
  static void requireRank(String algorithm, String which, int value, int max, String why) {
    if (value < 1 || value > max) {
      throw new IllegalArgumentException(
          algorithm + ": " + which + " must be in 1.." + max + " (" + why + "), got " + value);
    }
  }

  static long product(int[] dims) {
    long p = 1;
    for (int d : dims) {
      p *= d;
    }
    return p;
  }

  static int clampToInt(long v) {
    return (int) Math.min(Integer.MAX_VALUE, v);
  }
}
