package org.lowrank.train.data;

import java.util.Arrays;

/**
 * Per-channel normalization of 8-bit pixels: x = (p / 255 - mean[c]) / std[c].
 *
 * @param mean per-channel mean (length 1 is broadcast to all channels)
 * @param std per-channel standard deviation, all positive
 */
public record Normalization(float[] mean, float[] std) {

  public Normalization {
    if (mean.length != std.length || mean.length == 0) {
      throw new IllegalArgumentException(
          "mean and std need the same positive length, got " + mean.length + " and " + std.length);
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std must be positive: " + Arrays.toString(std));
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** p / 255 only. */
  public static Normalization unit() {
    return new Normalization(new float[] {0f}, new float[] {1f});
  }

  /** The ImageNet statistics used by torchvision (and by the ResNet-20/56 CIFAR models). */
  public static Normalization imagenet() {
    return new Normalization(
        new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
  }

  public static Normalization of(float[] mean, float[] std) {
    return new Normalization(mean, std);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** Checks the channel count against a dataset's. */
  void check(int channels) {
    if (mean.length != 1 && mean.length != channels) {
      throw new IllegalArgumentException(
          "normalization has " + mean.length + " channels but the images have " + channels);
    }
  }

  float meanOf(int c) {
    return mean[mean.length == 1 ? 0 : c];
  }

  float stdOf(int c) {
    return std[std.length == 1 ? 0 : c];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
