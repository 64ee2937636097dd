package org.lowrank.train.finetune;

/**
 * Linear warm-up from {@code base / warmupSteps} to {@code base} over the first {@code warmupSteps}
 * steps, then cosine decay to {@code minimum} at {@code totalSteps}: lr(t) = min + (base - min) (1
 * + cos(pi (t - w) / (T - w))) / 2. With {@code cosine = false} the rate stays at {@code base}
 * after warm-up.
 */
public record LearningRateSchedule(
    double base, double minimum, long warmupSteps, long totalSteps, boolean cosine) {

  public LearningRateSchedule {
    if (!(base > 0) || minimum < 0 || warmupSteps < 0 || totalSteps <= 0) {
      throw new IllegalArgumentException(
          "invalid schedule: base "
              + base
              + ", minimum "
              + minimum
              + ", warm-up "
              + warmupSteps
              + ", total "
              + totalSteps);
    }
  }

  /** The rate for 0-based step {@code t}. */
  public double at(long t) {
    if (t < warmupSteps) {
      return base * (t + 1) / warmupSteps;
    }
    if (!cosine || totalSteps <= warmupSteps) {
      return base;
    }
    double p = Math.min(1.0, (double) (t - warmupSteps) / (totalSteps - warmupSteps));
    return minimum + (base - minimum) * 0.5 * (1 + Math.cos(Math.PI * p));
  }
}
