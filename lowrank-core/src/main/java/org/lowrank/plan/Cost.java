package org.lowrank.plan;

/** Parameters (weights + bias) and multiply-accumulates per sample of a layer or a model. */
public record Cost(long params, long macs) {
  public static final Cost ZERO = new Cost(0, 0);

  public Cost plus(Cost o) {
    return new Cost(params + o.params, macs + o.macs);
  }

  public Cost minus(Cost o) {
    return new Cost(params - o.params, macs - o.macs);
  }

  /** The quantity a budget of the given kind counts. */
  public long get(Budget.Kind kind) {
    return kind == Budget.Kind.FLOPS ? macs : params;
  }
}
