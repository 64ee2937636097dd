package org.lowrank.cost;

/** Parameters (weights + bias) and multiply-accumulates per sample of a layer or a model. */
public record Cost(long params, long macs) {
  public static final Cost ZERO = new Cost(0, 0);

  public Cost plus(Cost o) {
    return new Cost(params + o.params, macs + o.macs);
  }

  public Cost minus(Cost o) {
    return new Cost(params - o.params, macs - o.macs);
  }

  /** The quantity {@code measure} counts (e.g. a budget's kind: parameters or MACs). */
  public long get(Measure measure) {
    return measure.of(this);
  }

  /** A quantity read off a cost, such as the one a budget counts. */
  public interface Measure {
    long of(Cost cost);
  }
}
