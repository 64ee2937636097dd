package org.lowrank.plan;

import org.lowrank.cost.Cost;

/**
 * A global budget: the fraction of the whole model's parameters or FLOPs (MACs) to keep, e.g. 0.2
 * keeps 20%. {@link Kind#NONE} means no global budget: each layer follows its own quality
 * threshold.
 */
public record Budget(Kind kind, double keepFraction) {

  /** What a budget counts. */
  public enum Kind implements Cost.Measure {
    PARAMS,
    FLOPS,
    NONE;

    /** MACs for a FLOPs budget, else parameters. */
    @Override
    public long of(Cost cost) {
      return this == FLOPS ? cost.macs() : cost.params();
    }
  }

  public Budget {
    if (kind != Kind.NONE && !(keepFraction > 0 && keepFraction < 1)) {
      throw new IllegalArgumentException(
          "a "
              + kind.name().toLowerCase()
              + " budget must keep a fraction in (0, 1), found "
              + keepFraction
              + ": e.g. --keep-params 0.25 keeps a quarter of the parameters");
    }
  }

  public static Budget keepParams(double fraction) {
    return new Budget(Kind.PARAMS, fraction);
  }

  public static Budget keepFlops(double fraction) {
    return new Budget(Kind.FLOPS, fraction);
  }

  public static Budget none() {
    return new Budget(Kind.NONE, 1.0);
  }

  public boolean isNone() {
    return kind == Kind.NONE;
  }

  /** The target count for a model whose total is {@code total}. */
  public long target(Cost total) {
    return (long) Math.floor(keepFraction * total.get(kind));
  }

  @Override
  public String toString() {
    return isNone() ? "none" : "keep " + kind.name().toLowerCase() + " " + keepFraction;
  }
}
