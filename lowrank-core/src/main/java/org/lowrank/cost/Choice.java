package org.lowrank.cost;

import java.util.Arrays;
import java.util.Objects;

/**
 * One way to factorize a layer: a method and its ranks. For TT-matrix, {@code outModes} and {@code
 * inModes} give the factorization of the output and input sizes (prod outModes = out, prod inModes
 * = in, same length d) and {@code ranks} the d-1 inner TT ranks; both are empty for other methods.
 */
public record Choice(Method method, int[] ranks, int[] outModes, int[] inModes) {

  public Choice {
    Objects.requireNonNull(method, "method");
    ranks = ranks.clone();
    outModes = outModes == null ? new int[0] : outModes.clone();
    inModes = inModes == null ? new int[0] : inModes.clone();
    for (int r : ranks) {
      if (r < 1) {
        throw new IllegalArgumentException(
            method.cliName() + " ranks must be >= 1, found " + Arrays.toString(ranks));
      }
    }
    if (method.rankCount() > 0 && ranks.length != method.rankCount()) {
      throw new IllegalArgumentException(
          method.cliName()
              + " takes "
              + method.rankCount()
              + " rank(s), found "
              + Arrays.toString(ranks));
    }
    if (method == Method.TTM) {
      if (outModes.length != inModes.length
          || outModes.length < 2
          || ranks.length != outModes.length - 1) {
        throw new IllegalArgumentException(
            "ttm needs d >= 2 output and input modes and d-1 ranks, found out "
                + Arrays.toString(outModes)
                + ", in "
                + Arrays.toString(inModes)
                + ", ranks "
                + Arrays.toString(ranks));
      }
    }
  }

  /** A method with ranks (not TT-matrix). */
  public static Choice of(Method method, int... ranks) {
    return new Choice(method, ranks, null, null);
  }

  /** A TT-matrix choice. */
  public static Choice ttm(int[] outModes, int[] inModes, int[] ranks) {
    return new Choice(Method.TTM, ranks, outModes, inModes);
  }

  /** The largest rank. */
  public int maxRank() {
    return Arrays.stream(ranks).max().orElse(0);
  }

  /** The same choice with other ranks. */
  public Choice withRanks(int... newRanks) {
    return new Choice(method, newRanks, outModes, inModes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Choice c
        && method == c.method
        && Arrays.equals(ranks, c.ranks)
        && Arrays.equals(outModes, c.outModes)
        && Arrays.equals(inModes, c.inModes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        method, Arrays.hashCode(ranks), Arrays.hashCode(outModes), Arrays.hashCode(inModes));
  }

  @Override
  public String toString() {
    String r = method.cliName() + Arrays.toString(ranks);
    return method == Method.TTM
        ? r + " out" + Arrays.toString(outModes) + " in" + Arrays.toString(inModes)
        : r;
  }
}
