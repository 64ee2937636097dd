package org.lowrank.train.data;

/**
 * Train-time augmentation: random crop after zero-padding by {@code cropPadding} pixels on every
 * side (offsets uniform in [0, 2 * cropPadding]) and a horizontal flip with probability 1/2. The
 * random stream is derived from {@code seed} and the epoch, so runs are reproducible.
 */
public record Augmentation(int cropPadding, boolean horizontalFlip, long seed) {

  public Augmentation {
    if (cropPadding < 0) {
      throw new IllegalArgumentException("cropPadding must be >= 0, got " + cropPadding);
    }
  }

  /** The usual CIFAR recipe: pad 4, random crop, random horizontal flip. */
  public static Augmentation cifar(long seed) {
    return new Augmentation(4, true, seed);
  }
}
